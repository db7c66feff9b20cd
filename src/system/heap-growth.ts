import v8 from 'node:v8';

/** How much V8's old generation may grow past what survived the last full collection before the next one. */
const growingPercent = 50;

/**
 * A send's live heap stays small (15–22 MB after a full collection, in sends of 10,000 to 100,000), but V8 lets the
 * old generation grow to up to four times that before the next one, and a long run reaches that ceiling sooner or
 * later: the peak RSS (VmHWM) of a send of 100,000 was 32–38 MB above one of 10,000 (Node 20). Half again the live size keeps
 * a long run's peak near a short one's, for more (incremental) full collections. V8 reads the factor at each
 * collection, so setting it once the process runs takes effect.
 */
export function keepHeapNearLiveSize(): void {
  v8.setFlagsFromString(`--heap-growing-percent=${growingPercent}`);
}
