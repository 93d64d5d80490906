/**
 * The one catalogue of errors voucherd answers. Each entry carries the Omada error code, the
 * exact message clients match on, and the HTTP status it travels with. Code throws
 * `new OmadaError(Errors.X)`; the HTTP layer alone turns it into the response envelope.
 */
export interface ErrorDef {
  readonly code: number;
  readonly msg: string;
  readonly status: number;
}

const def = (code: number, msg: string, status = 200): ErrorDef => ({ code, msg, status });

export const Errors = {
  INTERNAL: def(-1, 'Internal server error.', 500),
  // GET /readyz while the database does not answer, and any request that fails for want of it (the
  // connection refused or cut, a disk error); not an Open API error, so voucherd's own words.
  DATABASE_UNAVAILABLE: def(-1, 'Service unavailable: database unavailable.', 503),
  INVALID_PARAMETERS: def(-1001, 'Invalid request parameters.'),
  MALFORMED_REQUEST: def(-1001, 'Invalid request parameters.', 400),
  REQUEST_TOO_LARGE: def(-1001, 'Invalid request parameters.', 413),
  // The controller documents no code of its own for these portal refusals; −1001 names the field.
  PORTAL_NOT_EXIST: def(-1001, 'Invalid request parameters. portalId does not name a portal of this site.'),
  PORTAL_NAME_EXISTS: def(-1001, 'Invalid request parameters. name is already used by another portal of this site.'),
  OPERATION_FORBIDDEN: def(-1005, 'Operation forbidden.', 403),
  SITE_INFO_FAILED: def(-1300, 'Failed to get site information.'),
  SITE_FORBIDDEN: def(-1505, 'The current user does not have permissions to access this site.', 403),
  UNSUPPORTED_PATH: def(-1600, 'Unsupported request path.', 404),
  // Answers in a batch's slots, never of a request: the actions after a failure of an
  // interrupting batch, and an action the batch could not run or whose answer it could not read.
  BATCH_INTERRUPTED: def(-1619, 'Execution has been interrupted due to unsuccessful execution of the pre action request.'),
  BATCH_ACTION_FAILED: def(-1620, 'Error occurred while executing action.'),
  CONTROLLER_NOT_EXIST: def(-7131, 'Controller ID not exist.'),
  TOO_MANY_REQUESTS: def(-7132, 'Our server is receiving too many requests now. Please try again later.', 429),
  SITE_NOT_EXIST: def(-33000, 'This site does not exist.'),
  SITE_BUSY: def(
    -33004,
    'Operation failed because other operations (site copying, restoring, template synchronizing, etc.) are being performed on this site. Please wait and try again later.',
  ),
  SITE_NAME_EXISTS: def(-33101, 'This name already exists. Please enter another name for this site.'),
  SITE_LIMIT_REACHED: def(-33104, 'The number of sites has reached the limit.'),
  RATE_LIMIT_PROFILE_NOT_EXIST: def(-33732, 'The Rate Limit profile does not exist.'),
  RATE_LIMIT_PROFILE_EXISTS: def(-33733, 'This Rate Limit profile already exists.'),
  RATE_LIMIT_PROFILE_LIMIT_REACHED: def(-33734, 'The number of Rate Limit profiles has reached the limit.'),
  RATE_LIMIT_PROFILE_DEFAULT_UNDELETABLE: def(-33736, 'The default Rate Limit profile cannot be deleted.'),
  /** `%code%` is filled in with `messageWith`. */
  RATE_LIMIT_PROFILE_USED_BY_VOUCHER: def(
    -33737,
    'Failed to delete the Rate Limit profile because the profile is used by Voucher Code %code%.',
  ),
  SCENARIO_NOT_EXIST: def(-33809, 'This scenario does not exist.'),
  VOUCHER_LIMIT_REACHED: def(-42010, 'The number of vouchers has reached the limit. New vouchers cannot be created.'),
  VOUCHER_PORTAL_REQUIRED: def(-42036, 'Please select at least one portal before creating vouchers.'),
  DUPLICATED_VOUCHER_GROUP_NAME: def(-42059, 'Duplicated voucher group name.'),
  CURRENCY_NOT_SUPPORTED: def(-42060, 'Currency is not supported.'),
  VOUCHER_CURRENCY_CONFLICT: def(
    -42061,
    'You are creating voucher groups with different currency in same site, this will prevent collecting incoming amount of vouchers.',
  ),
  VOUCHER_PORTALS_NOT_EXIST: def(-42062, 'One or more portals may not exist.'),
  VOUCHER_EXPIRATION_TOO_FAR: def(-42063, 'The expiration time cannot exceed 1000 days.'),
  // The captive portal's answers to a voucher that does not let its client in.
  CLIENT_NOT_EXIST: def(-41010, 'This client does not exist.'),
  // cancelAuthClient documents its own code for the same words.
  UNAUTH_CLIENT_NOT_EXIST: def(-41006, 'This client does not exist.'),
  PORTAL_CODE_INCORRECT: def(-41502, 'The voucher code is incorrect.'),
  PORTAL_VOUCHER_EXPIRED: def(-41503, 'The voucher has expired.'),
  PORTAL_TRAFFIC_EXCEEDED: def(-41504, 'The voucher has used up its traffic.'),
  PORTAL_USER_LIMIT: def(-41505, 'The number of users of this voucher has reached the limit.'),
  PORTAL_NOT_EFFECTIVE: def(-41538, 'The voucher is not effective at this time.'),
  PORTAL_LOGOUT_FORBIDDEN: def(-1005, 'Operation forbidden. This voucher does not allow its clients to log out.'),
  CLIENT_INVALID: def(-44106, 'The client id or client secret is invalid.'),
  GRANT_TYPE_INVALID: def(-44111, 'The Grant Type is Invalid.'),
  ACCESS_TOKEN_EXPIRED: def(
    -44112,
    'The access token has expired. Please re-initiate the refreshToken process to obtain the access token.',
    401,
  ),
  ACCESS_TOKEN_INVALID: def(-44113, 'The Access Token is Invalid.', 401),
  REFRESH_TOKEN_EXPIRED: def(
    -44114,
    'The refresh token has expired. Please re-initiate the authentication process to obtain the refresh token.',
  ),
  TOKEN_PARAMS_INVALID: def(-44116, 'Open API authorized failed, please check whether the input parameters are legal.'),
} as const satisfies Record<string, ErrorDef>;

export class OmadaError extends Error {
  readonly def: ErrorDef;

  /** `detail` is one sentence appended to the catalogue message, used by −1001 to name the field and rule. */
  constructor(errorDef: ErrorDef, detail?: string) {
    super(detail ? `${errorDef.msg} ${detail}` : errorDef.msg);
    this.name = 'OmadaError';
    this.def = errorDef;
  }

  get code(): number {
    return this.def.code;
  }

  get status(): number {
    return this.def.status;
  }
}

/**
 * A catalogue error whose message names the thing at fault through `%placeholder%`s, e.g.
 * `messageWith(Errors.RATE_LIMIT_PROFILE_USED_BY_VOUCHER, { code: 'K7P2QX' })`.
 */
export function messageWith(errorDef: ErrorDef, values: Readonly<Record<string, string>>): OmadaError {
  const error = new OmadaError(errorDef);
  error.message = errorDef.msg.replace(/%(\w+)%/g, (placeholder, key: string) => values[key] ?? placeholder);
  return error;
}

/** A field rule that JSON Schema could not express: −1001 with HTTP 200 and a sentence naming the field. */
export function invalidField(sentence: string): OmadaError {
  return new OmadaError(Errors.INVALID_PARAMETERS, sentence);
}
