import pino, { type Logger, type DestinationStream } from 'pino';

/**
 * Paths that can carry a credential anywhere voucherd logs. Request lines are written by
 * voucherd itself (path only, never the query string), so these are the second line of defence.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'authorization',
  'client_secret',
  'clientSecret',
  'refresh_token',
  'refreshToken',
  'accessToken',
  'password',
  '*.client_secret',
  '*.clientSecret',
  '*.refresh_token',
  '*.refreshToken',
  '*.accessToken',
  '*.password',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = { level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}
