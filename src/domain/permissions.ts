/**
 * Who may call what. Every Open API operation voucherd knows is listed once here with the
 * permissions its controller documentation names ("The interface requires one of the
 * permissions"); an app may call it when its role grants any one of them.
 */
export const ROLES = ['admin', 'viewer', 'hotspot-operator'] as const;
export type Role = (typeof ROLES)[number];

export type Permission =
  | 'Global Dashboard Manager Modify'
  | 'Global Dashboard Manager View Only'
  | 'Global Export Data Access'
  | 'Site Clients Manager Modify'
  | 'Site Export Data Access'
  | 'Site Hotspot Manager Modify'
  | 'Site Hotspot Manager View Only'
  | 'Site Insight Manager View Only'
  | 'Site Settings Manager Modify'
  | 'Site Settings Manager View Only';

export interface OperationSpec {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The path as the controller documents it, with `{param}` placeholders. */
  readonly path: string;
  /** Any one of these suffices; an empty list means any authenticated app may call it. */
  readonly permissions: readonly Permission[];
}

export const OPERATIONS = {
  batchController: { method: 'POST', path: '/openapi/v1/{omadacId}/batch', permissions: [] },
  exportVouchersWithSiteByCloudAccess: { method: 'POST', path: '/openapi/v1/{omadacId}/files/hotspot/sites/{siteId}/vouchers/export', permissions: ['Site Export Data Access'] },
  getSiteList: { method: 'GET', path: '/openapi/v1/{omadacId}/sites', permissions: [] },
  createNewSite: { method: 'POST', path: '/openapi/v1/{omadacId}/sites', permissions: ['Global Dashboard Manager Modify'] },
  getSiteEntity: { method: 'GET', path: '/openapi/v1/{omadacId}/sites/{siteId}', permissions: ['Global Dashboard Manager View Only'] },
  updateSiteEntity: { method: 'PUT', path: '/openapi/v1/{omadacId}/sites/{siteId}', permissions: ['Global Dashboard Manager Modify'] },
  deleteSite: { method: 'DELETE', path: '/openapi/v1/{omadacId}/sites/{siteId}', permissions: ['Global Dashboard Manager Modify'] },
  exportAuthedClientListGlobalByCloudAccess: { method: 'POST', path: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/authed-client-list', permissions: ['Global Export Data Access'] },
  getHotspotAuthedClients: { method: 'GET', path: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/authed-records', permissions: ['Site Hotspot Manager View Only', 'Site Insight Manager View Only'] },
  deleteAllInvalidAuthedClients: { method: 'POST', path: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/authed-records/delete', permissions: ['Site Hotspot Manager Modify'] },
  deleteHotspotAuthedClient: { method: 'DELETE', path: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/authed-records/{id}', permissions: ['Site Settings Manager View Only'] },
  disconnectHotspotAuthedClient: { method: 'POST', path: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/authed-records/{id}/disconnect', permissions: ['Site Hotspot Manager Modify'] },
  extendHotspotAuthedClient: { method: 'POST', path: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/authed-records/{id}/period', permissions: ['Site Hotspot Manager Modify'] },
  authClient: { method: 'POST', path: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/clients/{clientMac}/auth', permissions: ['Site Clients Manager Modify', 'Site Hotspot Manager Modify'] },
  cancelAuthClient: { method: 'POST', path: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/clients/{clientMac}/unauth', permissions: ['Site Clients Manager Modify', 'Site Hotspot Manager Modify'] },
  getHotspotStatistic: { method: 'GET', path: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/dashboard/statistics', permissions: ['Site Hotspot Manager View Only'] },
  modifyHotspotSetting: { method: 'PATCH', path: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/setting', permissions: ['Site Hotspot Manager Modify'] },
  // The print operations below that only the cloud API's docs have (see CLOUD_ONLY_OPERATIONS) name
  // no permission: reads take printVoucherGroup's (View Only), writes modifyHotspotSetting's (Modify).
  uploadVoucherLogo: { method: 'POST', path: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/files/voucher/logos', permissions: ['Site Hotspot Manager Modify'] },
  getVoucherLogo: { method: 'GET', path: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/files/voucher/logos/{picId}', permissions: ['Site Hotspot Manager View Only'] },
  getVoucherGroupOptions: { method: 'GET', path: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/voucher-group-options', permissions: ['Site Hotspot Manager View Only'] },
  getGridVoucherGroups: { method: 'GET', path: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/voucher-groups', permissions: ['Site Hotspot Manager View Only'] },
  createVoucherGroup: { method: 'POST', path: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/voucher-groups', permissions: ['Site Hotspot Manager Modify'] },
  clearInvalidVouchersInSelectedGroups: { method: 'POST', path: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/voucher-groups/batch/clear-invalid', permissions: ['Site Hotspot Manager Modify'] },
  deleteSelectedVoucherGroups: { method: 'POST', path: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/voucher-groups/batch/delete', permissions: ['Site Hotspot Manager Modify'] },
  printSelectedVoucherGroups: { method: 'POST', path: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/voucher-groups/batch/print-unused', permissions: ['Site Hotspot Manager View Only'] },
  getGroupConfigLimit: { method: 'GET', path: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/voucher-groups/config-limit', permissions: ['Site Hotspot Manager View Only'] },
  getVoucherCurrencyCandidates: { method: 'GET', path: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/voucher-groups/currency-list', permissions: ['Site Hotspot Manager View Only'] },
  getVoucherGroupDetail: { method: 'GET', path: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/voucher-groups/{groupId}', permissions: ['Site Hotspot Manager View Only'] },
  deleteVoucherGroup: { method: 'DELETE', path: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/voucher-groups/{groupId}', permissions: ['Site Hotspot Manager Modify'] },
  clearInvalidVouchersInaGroup: { method: 'DELETE', path: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/voucher-groups/{groupId}/clear-invalid', permissions: ['Site Hotspot Manager Modify'] },
  printVoucherGroup: { method: 'GET', path: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/voucher-groups/{groupId}/print-unused', permissions: ['Site Hotspot Manager View Only'] },
  editVoucherGroupPattern: { method: 'PATCH', path: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/voucher-groups/{groupId}/pattern', permissions: ['Site Hotspot Manager Modify'] },
  deleteVouchers: { method: 'POST', path: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/vouchers/batch/delete', permissions: ['Site Hotspot Manager Modify'] },
  printVouchers: { method: 'POST', path: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/vouchers/batch/print', permissions: ['Site Hotspot Manager View Only'] },
  getVoucherHistoryStatistics: { method: 'GET', path: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/vouchers/statistics/history', permissions: ['Site Hotspot Manager View Only'] },
  getVoucherDistributionByDuration: { method: 'GET', path: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/vouchers/statistics/history/distribution/duration', permissions: ['Site Hotspot Manager View Only'] },
  getVoucherDistributionByPrice: { method: 'GET', path: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/vouchers/statistics/history/distribution/unit-price', permissions: ['Site Hotspot Manager View Only'] },
  getAllTimeVoucherSummary: { method: 'GET', path: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/vouchers/statistics/summary', permissions: ['Site Hotspot Manager View Only'] },
  // The per-group statistics come from the cloud API's docs (see CLOUD_ONLY_OPERATIONS), which name
  // no permission; they take their site-wide siblings'.
  getVoucherHistoryStatisticsForGroup: { method: 'GET', path: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/vouchers/statistics/history/voucher-groups/{groupId}', permissions: ['Site Hotspot Manager View Only'] },
  getVoucherDistributionByDurationForGroup: { method: 'GET', path: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/vouchers/statistics/history/distribution/duration/voucher-groups/{groupId}', permissions: ['Site Hotspot Manager View Only'] },
  getVoucherDistributionByPriceForGroup: { method: 'GET', path: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/vouchers/statistics/history/distribution/unit-price/voucher-groups/{groupId}', permissions: ['Site Hotspot Manager View Only'] },
  getAllTimeVoucherSummaryForGroup: { method: 'GET', path: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/vouchers/statistics/summary/voucher-groups/{groupId}', permissions: ['Site Hotspot Manager View Only'] },
  getVoucher: { method: 'GET', path: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/vouchers/{id}', permissions: ['Site Hotspot Manager View Only'] },
  deleteVoucher: { method: 'DELETE', path: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/vouchers/{id}', permissions: ['Site Hotspot Manager Modify'] },
  addPortal: { method: 'POST', path: '/openapi/v1/{omadacId}/sites/{siteId}/portal', permissions: ['Site Hotspot Manager Modify'] },
  getPortalLogoutDomainSetting: { method: 'GET', path: '/openapi/v1/{omadacId}/sites/{siteId}/portal-logout', permissions: ['Global Dashboard Manager View Only', 'Site Settings Manager View Only'] },
  updatePortalLogoutDomainSetting: { method: 'PUT', path: '/openapi/v1/{omadacId}/sites/{siteId}/portal-logout', permissions: ['Site Settings Manager Modify', 'Global Dashboard Manager Modify'] },
  getPortalDetail: { method: 'GET', path: '/openapi/v1/{omadacId}/sites/{siteId}/portal/{portalId}', permissions: ['Site Hotspot Manager View Only'] },
  deletePortal: { method: 'DELETE', path: '/openapi/v1/{omadacId}/sites/{siteId}/portal/{portalId}', permissions: ['Site Hotspot Manager Modify'] },
  modifyPortal: { method: 'PATCH', path: '/openapi/v1/{omadacId}/sites/{siteId}/portal/{portalId}', permissions: ['Site Hotspot Manager Modify'] },
  getPortalList: { method: 'GET', path: '/openapi/v1/{omadacId}/sites/{siteId}/portals', permissions: ['Site Hotspot Manager View Only'] },
  modifyRateLimitProfile: { method: 'PUT', path: '/openapi/v1/{omadacId}/sites/{siteId}/rate-limit-profile/{profileId}', permissions: ['Site Settings Manager Modify'] },
  deleteRateLimitProfile: { method: 'DELETE', path: '/openapi/v1/{omadacId}/sites/{siteId}/rate-limit-profile/{profileId}', permissions: ['Site Settings Manager Modify'] },
  getRateLimitProfileList: { method: 'GET', path: '/openapi/v1/{omadacId}/sites/{siteId}/rate-limit-profiles', permissions: ['Site Settings Manager View Only'] },
  createRateLimitProfile: { method: 'POST', path: '/openapi/v1/{omadacId}/sites/{siteId}/rate-limit-profiles', permissions: ['Site Settings Manager Modify'] },
} as const satisfies Record<string, OperationSpec>;

export type OperationId = keyof typeof OPERATIONS;

/**
 * Operations the controller's own spec (omada-hotspot-openapi.json) lacks, served as the cloud
 * API's voucher docs describe them; the spec check of this table passes them by.
 */
export const CLOUD_ONLY_OPERATIONS: ReadonlySet<OperationId> = new Set<OperationId>([
  'getAllTimeVoucherSummaryForGroup',
  'getVoucherHistoryStatisticsForGroup',
  'getVoucherDistributionByDurationForGroup',
  'getVoucherDistributionByPriceForGroup',
  'getVoucherGroupOptions',
  'editVoucherGroupPattern',
  'uploadVoucherLogo',
  'getVoucherLogo',
]);

const HOTSPOT_OPERATOR: ReadonlySet<Permission> = new Set<Permission>([
  'Site Hotspot Manager Modify',
  'Site Hotspot Manager View Only',
]);

function roleHas(role: Role, permission: Permission): boolean {
  switch (role) {
    case 'admin':
      return true;
    case 'viewer':
      return permission.endsWith(' View Only');
    case 'hotspot-operator':
      return HOTSPOT_OPERATOR.has(permission);
  }
}

/** Whether `role` holds `permission`; holding a module's Modify implies its View Only. */
export function roleGrants(role: Role, permission: Permission): boolean {
  if (roleHas(role, permission)) return true;
  if (permission.endsWith(' View Only')) {
    return roleHas(role, permission.replace(/ View Only$/, ' Modify') as Permission);
  }
  return false;
}

export function mayCall(role: Role, operation: OperationId): boolean {
  const needed: readonly Permission[] = OPERATIONS[operation].permissions;
  return needed.length === 0 || needed.some((permission) => roleGrants(role, permission));
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
