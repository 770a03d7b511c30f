// The API's own field rules, one each, shared by every DTO: money as an exact decimal string,
// a calendar date. (The text rule for every string is in the validation pipe.)
import { registerDecorator, type ValidationOptions } from 'class-validator';

/** numeric(18,2): up to 16 integer digits and at most 2 decimals, no sign, no exponent. */
export const MONEY = /^\d{1,16}(\.\d{1,2})?$/;

export function isMoneyString(value: unknown): value is string {
  return typeof value === 'string' && MONEY.test(value);
}

/** Money as an exact decimal string (`"480000.00"`): never a JSON number, never more than 2 decimals. */
export function IsMoney(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isMoney',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: `${String(propertyName)} must be a decimal string with at most 16 digits before the point and 2 after, e.g. "480000.00"`, ...options },
      validator: { validate: isMoneyString },
    });
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A real day of the calendar between 1900-01-01 and 2999-12-31 (no 2026-02-30, no year 0000). */
export function isCalendarDate(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const match = DATE.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (year < 1900 || year > 2999 || month < 1 || month > 12 || day < 1) return false;
  return new Date(Date.UTC(year, month - 1, day)).getUTCDate() === day;
}

export function IsCalendarDate(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isCalendarDate',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: `${String(propertyName)} must be a calendar date YYYY-MM-DD between 1900 and 2999`, ...options },
      validator: { validate: isCalendarDate },
    });
}

/** Whether every item of a list is different (in linear time: class-validator's `ArrayUnique` is quadratic). */
export function hasNoRepeats(value: unknown): boolean {
  return Array.isArray(value) && new Set(value).size === value.length;
}

/** A list without repeated items; 20,000 ids are checked in a millisecond, not seconds of a blocked event loop. */
export function IsUniqueList(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isUniqueList',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: `${String(propertyName)} must not name the same item twice`, ...options },
      validator: { validate: hasNoRepeats },
    });
}
