/**
 * The body of a route that takes none: nothing may be sent but an empty object (or no body), so a
 * field sent by mistake is refused like any unknown field instead of silently dropped.
 */
export class EmptyBodyDto {}
