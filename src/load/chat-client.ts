import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { io, type Socket } from 'socket.io-client';
import { type HttpResponse, httpRequest } from '../core/http-client.ts';

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
  private readonly agent: http.Agent;

  constructor(private readonly options: ChatClientOptions) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 4, localAddress: options.localAddress });
  }

  request<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
    timeoutMs?: number,
  ): Promise<HttpResponse<T>> {
    return httpRequest<T>(`${this.options.baseUrl}${path}`, {
      method,
      body,
      headers,
      token: this.token,
      agent: this.agent,
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
    this.agent.destroy();
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
