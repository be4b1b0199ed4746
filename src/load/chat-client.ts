import { randomUUID } from 'node:crypto';
import { io, type Socket } from 'socket.io-client';
import type { HttpResponse } from '../core/http-client.ts';
import { HttpPool } from '../core/http-pool.ts';

export interface ChatMessage {
  id: string;
  message_id: string;
  conversation_id: string;
  user_id: string;
  content: string;
  created_at: string;
}

export interface ChatClientOptions {
  baseUrl: string;
  /** Source address for every connection this client opens (HTTP and Socket.IO). */
  localAddress?: string;
}

/**
 * A chat user as the load generator and the tests see one: REST calls with its token, and a
 * Socket.IO connection from a chosen source address.
 */
export class ChatClient {
  token: string | undefined;
  userId: string | undefined;
  private readonly http: HttpPool;
  /** The base URL's path (a front that serves the API under a prefix), before every request's own. */
  private readonly pathPrefix: string;

  constructor(private readonly options: ChatClientOptions) {
    const url = new URL(options.baseUrl);
    // One connection, as one request at a time needs: undici frees a connection a moment after its
    // response, so a larger pool opens a second, idle one, and a front that balances connections puts
    // the user's traffic on one replica and the idle connection on another (test/load/user-connections).
    this.http = new HttpPool(url.origin, { connections: 1, localAddress: options.localAddress });
    this.pathPrefix = url.pathname.replace(/\/$/, '');
  }

  request<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
    timeoutMs?: number,
  ): Promise<HttpResponse<T>> {
    return this.http.request<T>(`${this.pathPrefix}${path}`, {
      method,
      body,
      headers,
      token: this.token,
      timeoutMs,
    });
  }

  async login(
    username: string,
    password: string,
  ): Promise<HttpResponse<{ token?: string; user?: { id: string } }>> {
    const response = await this.request<{ token?: string; user?: { id: string } }>(
      'POST',
      '/api/v1/auth/login',
      {
        username,
        password,
      },
    );
    if (response.status === 200 && response.body.token) {
      this.token = response.body.token;
      this.userId = response.body.user?.id;
    }
    return response;
  }

  /** Sends with a fresh client-generated message_id unless one is given (a retry reuses it). */
  sendMessage(conversationId: string, content: string, messageId: string = randomUUID(), timeoutMs?: number) {
    return this.request<ChatMessage & { error?: string }>(
      'POST',
      `/api/v1/chat/conversations/${encodeURIComponent(conversationId)}/messages`,
      { message_id: messageId, content },
      undefined,
      timeoutMs,
    );
  }

  listConversationMessages(conversationId: string, limit = 50) {
    return this.request<{ messages: ChatMessage[] }>(
      'GET',
      `/api/v1/chat/conversations/${encodeURIComponent(conversationId)}/messages?limit=${limit}`,
    );
  }

  listUserMessages(userId = this.userId!, limit = 50) {
    return this.request<{ messages: ChatMessage[] }>(
      'GET',
      `/api/v1/users/${encodeURIComponent(userId)}/messages?limit=${limit}`,
    );
  }

  conversations() {
    return this.request<{ conversations: { id: string; title: string }[] }>(
      'GET',
      '/api/v1/me/conversations',
    );
  }

  uploadAttachment(conversationId: string, content: Buffer, contentType = 'application/octet-stream') {
    return this.request<{ id: string; error?: string }>(
      'POST',
      `/api/v1/chat/conversations/${encodeURIComponent(conversationId)}/attachments`,
      content,
      { 'content-type': contentType },
    );
  }

  /** Opens a Socket.IO connection (websocket transport) and resolves once it is accepted. */
  connect(options: { timeoutMs?: number; token?: string } = {}): Promise<Socket> {
    const socket = io(this.options.baseUrl, {
      transports: ['websocket'],
      auth: { token: options.token ?? this.token },
      reconnection: false,
      forceNew: true,
      timeout: options.timeoutMs ?? 10_000,
      localAddress: this.options.localAddress,
    } as Parameters<typeof io>[1]);
    return new Promise((resolve, reject) => {
      socket.once('connect', () => resolve(socket));
      socket.once('connect_error', (error) => {
        socket.close();
        reject(error);
      });
    });
  }

  close(): void {
    this.http.close();
  }
}

/** Emits with an acknowledgement and resolves with the server's answer. */
export function emitWithAck<T>(
  socket: Socket,
  event: string,
  payload: unknown,
  timeoutMs = 10_000,
): Promise<T> {
  return socket.timeout(timeoutMs).emitWithAck(event, payload) as Promise<T>;
}
