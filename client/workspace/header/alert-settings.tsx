import { useState } from "react";
import type { AlertSettings } from "../../lib/use-attention.ts";

export type Props = { settings: AlertSettings; onChange: (next: AlertSettings) => void };

/** The agent's choice of a sound and a desktop notification for new offers and messages. */
export function AlertSettingsMenu({ settings, onChange }: Props) {
  const [open, setOpen] = useState(false);
  const [denied, setDenied] = useState(typeof Notification !== "undefined" && Notification.permission === "denied");

  async function toggleDesktop(on: boolean) {
    if (on && typeof Notification !== "undefined" && Notification.permission === "default") {
      const answer = await Notification.requestPermission();
      setDenied(answer === "denied");
      if (answer !== "granted") return;
    }
    onChange({ ...settings, desktop: on });
  }

  return (
    <div className="alert-settings">
      <button className="button button--quiet" type="button" aria-expanded={open} onClick={() => setOpen(!open)} data-testid="alert-settings">
        Alerts{settings.sound || settings.desktop ? " on" : ""}
      </button>
      {open && (
        <div className="alert-settings__menu" role="group" aria-label="Alerts">
          <label>
            <input type="checkbox" checked={settings.sound} onChange={(e) => onChange({ ...settings, sound: e.target.checked })} /> Sound for new offers and messages
          </label>
          <label>
            <input type="checkbox" checked={settings.desktop} disabled={denied || typeof Notification === "undefined"} onChange={(e) => void toggleDesktop(e.target.checked)} />{" "}
            Desktop notification when this tab is in the background
          </label>
          {denied && <p className="alert-settings__note">This browser blocks notifications for this site: allow them in its settings.</p>}
        </div>
      )}
    </div>
  );
}
