// Injection tokens of the worker's Nest context.
export const APP_CONFIG = Symbol('APP_CONFIG');
/** A nodemailer transport (or anything with `sendMail`); tests may provide their own. */
export const MAIL_TRANSPORT = Symbol('MAIL_TRANSPORT');
/** `() => Promise<Client>`: a Temporal client for activities that start or signal workflows (connected on first use). */
export const TEMPORAL_CLIENT = Symbol('TEMPORAL_CLIENT');
