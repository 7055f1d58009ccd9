// POST /chat/uploads, the chat widget's file upload: the file's bytes as the body (its Content-Type, at
// most the session's maxBytes), authenticated by the widget key and the signed visitor token in these
// headers, the file name URI-encoded. Answers 201 { upload: { id, … } }, or { error: { code, message } };
// the chat:send event then names the upload's id. No imports: the widget bundle uses this file.
export const CHAT_UPLOAD_PATH = "/chat/uploads";
export const CHAT_UPLOAD_HEADERS = { widgetKey: "x-switchboard-widget", visitorToken: "x-switchboard-visitor", fileName: "x-switchboard-file-name" } as const;
