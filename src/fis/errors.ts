/**
 * FIS's error types with the HTTP status of each in its service model (botocore fis/2020-12-01). The
 * SDK reads the type from the `x-amzn-errortype` header and the message from the body's `message`.
 */
const STATUS = {
  ValidationException: 400,
  ServiceQuotaExceededException: 402,
  ResourceNotFoundException: 404,
  ConflictException: 409,
  /** Not in FIS's model: what an AWS REST service answers for a route it does not have. */
  UnknownOperationException: 404,
  InternalServerException: 500,
} as const;

export type FisErrorType = keyof typeof STATUS;

export class FisError extends Error {
  constructor(
    readonly type: FisErrorType,
    message: string,
  ) {
    super(message);
    this.name = type;
  }

  get status(): number {
    return STATUS[this.type];
  }
}

export const validationError = (message: string) => new FisError('ValidationException', message);
export const notFound = (message: string) => new FisError('ResourceNotFoundException', message);
export const conflict = (message: string) => new FisError('ConflictException', message);
export const quotaExceeded = (message: string) => new FisError('ServiceQuotaExceededException', message);
