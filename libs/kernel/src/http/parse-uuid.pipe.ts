import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { KernelErrors } from '../errors/domain-error';
import { isUuid } from '../ids/uuid';

/** Path/query UUIDs: a malformed one is a 400 validation problem naming the parameter. */
@Injectable()
export class ParseUuidPipe implements PipeTransform<unknown, string> {
  transform(value: unknown, metadata: ArgumentMetadata): string {
    if (!isUuid(value)) {
      const path = metadata.data ?? 'id';
      throw KernelErrors.validation([{ path, message: `${path} must be a UUID`, rule: 'isUuid' }]);
    }
    return value.toLowerCase();
  }
}
