// Injection tokens of the worker's Nest context.
export const APP_CONFIG = Symbol('APP_CONFIG');
/** A nodemailer transport (or anything with `sendMail`); tests may provide their own. */
export const MAIL_TRANSPORT = Symbol('MAIL_TRANSPORT');
