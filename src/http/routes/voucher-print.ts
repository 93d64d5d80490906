import multipart from '@fastify/multipart';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Errors, invalidField, OmadaError } from '../../domain/errors.js';
import { MAX_LOGO_BYTES } from '../../domain/logo-image.js';
import type { LogoUpload, VoucherPrintService } from '../../domain/voucher-print.js';
import type { VoucherLogoRecord } from '../../store/port.js';
import { site } from '../guard.js';
import { EnvelopeWithoutResult, SiteParams } from '../schemas/common.js';
import {
  EditVoucherGroupPatternBody,
  GroupOptionsQuery,
  GroupOptionsResponse,
  LogoParams,
  PortalPictureInfoResponse,
} from '../schemas/voucher-print.js';
import { GroupParams } from '../schemas/vouchers.js';

const SUCCESS = { errorCode: 0, msg: 'Success.' } as const;
/** The `data` part holds two short strings; 4 KiB is plenty. */
const DATA_PART_BYTES = 4096;

/** PortalPictureInfo; the url carries the picture itself, so a client needs no second route to print it. */
const pictureInfo = (logo: VoucherLogoRecord) => ({
  id: logo.id,
  fileName: logo.fileName,
  url: `data:${logo.mediaType};base64,${logo.bytes.toString('base64')}`,
});

/** UploadVoucherGroupLogoOpenApiVO from the `data` part: a JSON object with optional fileName and md5. */
function uploadData(text: string): { fileName?: string; md5?: string } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw invalidField('data must be a JSON object.');
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw invalidField('data must be a JSON object.');
  const { fileName, md5 } = data as Record<string, unknown>;
  if (fileName !== undefined && fileName !== null && typeof fileName !== 'string') throw invalidField('data.fileName must be a string.');
  if (md5 !== undefined && md5 !== null && typeof md5 !== 'string') throw invalidField('data.md5 must be a string.');
  return { ...(typeof fileName === 'string' && { fileName }), ...(typeof md5 === 'string' && { md5 }) };
}

/** What a multipart limit or parse failure tells the caller: a field rule (−1001, 200) or a malformed body (400). */
function multipartError(error: unknown): OmadaError {
  if (error instanceof OmadaError) return error;
  const code = (error as { code?: unknown }).code;
  if (code === 'FST_REQ_FILE_TOO_LARGE') return invalidField(`file must not exceed ${MAX_LOGO_BYTES} bytes.`);
  if (code === 'FST_FILES_LIMIT') return invalidField('The upload must carry exactly one file part.');
  if (code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT') return invalidField('The upload must carry only the parts file and data.');
  return new OmadaError(Errors.MALFORMED_REQUEST, 'The multipart body is malformed.');
}

/** Reads the parts of an uploadVoucherLogo request: `file` (the picture) and `data` (JSON), as the docs send them. */
async function readUpload(request: FastifyRequest): Promise<LogoUpload> {
  if (!request.isMultipart()) throw invalidField('The upload must be multipart/form-data with a file part, a data part or both.');
  let bytes: Buffer | undefined;
  let partFileName: string | undefined;
  let data: { fileName?: string; md5?: string } = {};
  try {
    for await (const part of request.parts()) {
      if (part.fieldname === 'file' && part.type === 'file') {
        if (bytes !== undefined) throw invalidField('The upload must carry exactly one file part.');
        bytes = await part.toBuffer();
        partFileName = part.filename;
      } else if (part.fieldname === 'data') {
        // Generated clients send the model as a text field; some send it as a JSON file part.
        const text = part.type === 'file' ? (await part.toBuffer()).toString('utf8') : String(part.value);
        if (part.type === 'field' && part.valueTruncated) throw invalidField(`data must not exceed ${DATA_PART_BYTES} bytes.`);
        data = uploadData(text);
      } else {
        if (part.type === 'file') await part.toBuffer();
        throw invalidField(`${part.fieldname} is not a part of this upload; send file and data.`);
      }
    }
  } catch (error) {
    throw multipartError(error);
  }
  if (bytes === undefined && data.md5 === undefined) throw invalidField('file or data.md5 is required.');
  return { ...(bytes && { bytes }), ...(partFileName !== undefined && { partFileName }), ...data };
}

/** The cloud-only print operations: group options, print patterns, and the logos they print. */
export const voucherPrintRoutes: FastifyPluginAsyncTypebox<{ print: VoucherPrintService }> = async (app, { print }) => {
  // Only this plugin's routes read multipart bodies; the rest of the API stays JSON-only.
  await app.register(multipart, {
    limits: { fileSize: MAX_LOGO_BYTES, files: 2, fields: 1, parts: 2, fieldSize: DATA_PART_BYTES, headerPairs: 100 },
  });

  const base = '/openapi/v1/:omadacId/sites/:siteId/hotspot';

  app.get(
    `${base}/voucher-group-options`,
    {
      config: { operation: 'getVoucherGroupOptions' },
      schema: { params: SiteParams, querystring: GroupOptionsQuery, response: { 200: GroupOptionsResponse } },
    },
    async (request) => {
      const { page, pageSize } = request.query;
      const found = await print.groupOptions(site(request), page, pageSize);
      return {
        ...SUCCESS,
        result: { totalRows: found.totalRows, currentPage: page, currentSize: pageSize, data: [...found.rows] },
      };
    },
  );

  app.patch(
    `${base}/voucher-groups/:groupId/pattern`,
    {
      config: { operation: 'editVoucherGroupPattern' },
      schema: { params: GroupParams, body: EditVoucherGroupPatternBody, response: { 200: EnvelopeWithoutResult } },
    },
    async (request) => {
      await print.editPattern(site(request), request.params.groupId, request.body ?? {});
      return SUCCESS;
    },
  );

  app.post(
    `${base}/files/voucher/logos`,
    { config: { operation: 'uploadVoucherLogo' }, schema: { params: SiteParams, response: { 200: PortalPictureInfoResponse } } },
    async (request) => {
      const upload = await readUpload(request);
      return { ...SUCCESS, result: pictureInfo(await print.uploadLogo(site(request), upload)) };
    },
  );

  app.get(
    `${base}/files/voucher/logos/:picId`,
    { config: { operation: 'getVoucherLogo' }, schema: { params: LogoParams, response: { 200: PortalPictureInfoResponse } } },
    async (request) => ({ ...SUCCESS, result: pictureInfo(await print.getLogo(site(request), request.params.picId)) }),
  );
};
