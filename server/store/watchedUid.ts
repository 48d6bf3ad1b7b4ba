/**
 * The uid of the object a watch entry observed, kept in its details: a row holding no uid (its
 * writes audited at Metadata level) may be found by name for two objects of that name, one
 * deleted and the next made, and hold watch entries of both. The audit writer parts them by it
 * once their writes tell which row is which (MOVE_HISTORY_SQL). Entries stored before entries
 * told it have none.
 */
export const WATCHED_UID_DETAIL = "uid";

/** SQL: the uid history entry `h` (a watch's) observed; null for one stored before entries told it. */
export const watchedUidOf = (h: string) => `(${h}.details->>'${WATCHED_UID_DETAIL}')`;
