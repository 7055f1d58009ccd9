// The chat widgets' REST calls for the Team screens: list, create, change, rotate the identity secret.
import { z } from "zod";
import { WidgetView, type CreateWidgetBody } from "../../shared/api.ts";
import type { UpdateWidgetBody } from "../../shared/queues.ts";
import { id, request } from "./api.ts";

const WidgetResponse = z.object({ widget: WidgetView });

export const widgetApi = {
  list: () => request("/api/widgets", { schema: z.object({ widgets: z.array(WidgetView) }) }),
  create: (body: z.input<typeof CreateWidgetBody>) => request("/api/widgets", { method: "POST", body, schema: WidgetResponse }),
  update: (publicKey: string, body: z.input<typeof UpdateWidgetBody>) =>
    request(`/api/widgets/${id(publicKey)}`, { method: "PUT", body, schema: WidgetResponse }),
  rotateSecret: (publicKey: string) => request(`/api/widgets/${id(publicKey)}/rotate-secret`, { method: "POST", schema: WidgetResponse }),
};
