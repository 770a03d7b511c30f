import { Injectable, PipeTransform, ArgumentMetadata } from '@nestjs/common';
import { ApiError } from './api-error';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Path ids are UUIDs; anything else is a 400 naming the parameter. */
@Injectable()
export class UuidPipe implements PipeTransform<string, string> {
  transform(value: string, meta: ArgumentMetadata): string {
    if (typeof value !== 'string' || !UUID.test(value)) {
      throw new ApiError(400, 'VALIDATION.FAILED', `${meta.data ?? 'id'}: must be a UUID`, [{ field: meta.data ?? 'id', problems: ['must be a UUID'] }]);
    }
    return value.toLowerCase();
  }
}
