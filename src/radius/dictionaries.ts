import radius from 'radius';

/**
 * The vendor attributes voucherd sends, in FreeRADIUS dictionary format. node-radius ships the
 * RFC dictionaries only. Numbers as in Debian's freeradius-common (/usr/share/freeradius/
 * dictionary.wispr, dictionary.mikrotik, dictionary.chillispot); ChilliSpot-Max-Total-Gigawords,
 * missing there, as in CoovaChilli's own doc/dictionary.chillispot. Kept as text in the module
 * (not a file beside it) so that the compiled output in dist/ needs nothing copied next to it.
 */
export const VENDOR_DICTIONARY = `
VENDOR		WISPr				14122
BEGIN-VENDOR	WISPr
ATTRIBUTE	WISPr-Bandwidth-Max-Up			7	integer
ATTRIBUTE	WISPr-Bandwidth-Max-Down		8	integer
END-VENDOR	WISPr

VENDOR		Mikrotik			14988
BEGIN-VENDOR	Mikrotik
ATTRIBUTE	Mikrotik-Rate-Limit			8	string
ATTRIBUTE	Mikrotik-Total-Limit			17	integer
ATTRIBUTE	Mikrotik-Total-Limit-Gigawords		18	integer
END-VENDOR	Mikrotik

VENDOR		ChilliSpot			14559
BEGIN-VENDOR	ChilliSpot
ATTRIBUTE	ChilliSpot-Max-Total-Octets		3	integer
ATTRIBUTE	ChilliSpot-Max-Total-Gigawords		23	integer
END-VENDOR	ChilliSpot
`;

export const VENDOR = { WISPr: 14122, Mikrotik: 14988, ChilliSpot: 14559 } as const;

let loaded = false;

/** Loads node-radius's RFC dictionaries and voucherd's vendor attributes, once per process. */
export function loadDictionaries(): void {
  if (loaded) return;
  radius.load_dictionaries();
  radius._load_dictionary(VENDOR_DICTIONARY);
  loaded = true;
}
