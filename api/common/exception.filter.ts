import { Catch, HttpException, HttpStatus, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { HttpResponse as Response } from './http';
import { QueryFailedError, type DataSource } from 'typeorm';
import type { DeniedAttempts, DeniedRequest } from '../auth/denied-attempts';
import { ConflictError, DomainError, ForbiddenError, NotFoundError, NotVisibleError, UnprocessableError } from './errors';

export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string | string[];
  [extra: string]: unknown;
}

const REASONS: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 409: 'Conflict', 413: 'Payload Too Large',
  415: 'Unsupported Media Type', 422: 'Unprocessable Entity', 429: 'Too Many Requests', 500: 'Internal Server Error', 503: 'Service Unavailable',
};

/** Answers that deny the caller (a 404 too, when it hides another tenant's resource). */
const DENIED = new Set([401, 403, 429]);

export function errorBody(statusCode: number, message: string | string[], extra: Record<string, unknown> = {}): ErrorBody {
  return { statusCode, error: REASONS[statusCode] ?? 'Error', message, ...extra };
}

/**
 * The one error pipeline: domain errors, HTTP exceptions (validation included) and database constraint
 * violations become `{ statusCode, error, message }`; anything else is a logged 500 without internals.
 */
@Catch()
export class GlobalExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  constructor(private readonly dataSource?: DataSource, private readonly denied?: DeniedAttempts) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const body = this.toBody(exception);
    if (body.statusCode >= 500) this.logger.error(exception instanceof Error ? exception.stack ?? exception.message : String(exception));
    if (this.denied && (DENIED.has(body.statusCode) || exception instanceof NotVisibleError)) {
      const message = Array.isArray(body.message) ? body.message.join('; ') : body.message;
      this.denied.record(host.switchToHttp().getRequest<DeniedRequest>(), body.statusCode, message);
    }
    if (!res.headersSent) res.status(body.statusCode).json(body);
  }

  toBody(exception: unknown): ErrorBody {
    if (exception instanceof DomainError) return this.domain(exception);
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      if (typeof response === 'string') return errorBody(status, response);
      const r = response as { message?: string | string[] };
      // A body without `message` was built on purpose (e.g. the health report): keep it as it is.
      if (r.message === undefined) return { ...(response as object), statusCode: status } as ErrorBody;
      return errorBody(status, r.message);
    }
    if (exception instanceof QueryFailedError) {
      const mapped = this.constraint(exception);
      if (mapped) return mapped;
    }
    return errorBody(HttpStatus.INTERNAL_SERVER_ERROR, 'Internal server error');
  }

  private domain(e: DomainError): ErrorBody {
    if (e instanceof NotFoundError) return errorBody(404, e.message);
    if (e instanceof ConflictError) return errorBody(409, e.message, { ...(e.items.length ? { items: e.items } : {}), ...e.details });
    if (e instanceof UnprocessableError) return errorBody(422, e.messages, e.details);
    if (e instanceof ForbiddenError) return errorBody(403, e.message);
    return errorBody(400, e.message);
  }

  /** Unique and foreign-key violations the services did not foresee (e.g. a concurrent insert). */
  private constraint(e: QueryFailedError): ErrorBody | null {
    const driver = e.driverError as { code?: string; errno?: number; message?: string } | undefined;
    const code = driver?.code ?? '';
    const message = driver?.message ?? e.message;
    if (code === 'ER_DUP_ENTRY' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
      const fields = this.uniqueFields(message);
      return errorBody(409, `${fields.length ? fields.join(', ') : 'value'} already exists`, { fields });
    }
    if (code.startsWith('ER_ROW_IS_REFERENCED') || code.startsWith('ER_NO_REFERENCED_ROW') || code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
      return errorBody(409, 'The change conflicts with related records (a referenced record is missing or still in use)');
    }
    return null;
  }

  /** Field names of the violated unique index, without the scoping columns (tenant, plan, owner). */
  private uniqueFields(message: string): string[] {
    const scoping = new Set(['tenantId', 'planId', 'ownerKey']);
    const sqlite = /UNIQUE constraint failed: (.+)$/.exec(message);
    let columns: string[] = [];
    if (sqlite) {
      columns = sqlite[1].split(',').map((c) => c.trim().split('.').pop() ?? c);
    } else {
      const key = /for key '(?:[^.']+\.)?([^']+)'/.exec(message)?.[1];
      const index = this.dataSource?.entityMetadatas.flatMap((m) => m.indices).find((i) => i.name === key);
      columns = index?.columns.map((c) => c.propertyName) ?? [];
    }
    const named = columns.filter((c) => !scoping.has(c));
    return named.length ? named : columns;
  }
}
