// Shared by the exported scripts (inlined) and the exporter (thresholds name endpoints by these).

/** The backend's routes the traffic uses, by the `endpoint` tag k6 puts on each request. */
export const ROUTES = {
  login: ['POST', '/api/v1/auth/login'],
  conversations: ['GET', '/api/v1/me/conversations'],
  send: ['POST', '/api/v1/chat/conversations/:id/messages'],
  'read-conversation': ['GET', '/api/v1/chat/conversations/:id/messages'],
  'read-own-messages': ['GET', '/api/v1/users/:id/messages'],
  upload: ['POST', '/api/v1/chat/conversations/:id/attachments'],
} as const;

export type Endpoint = keyof typeof ROUTES;
