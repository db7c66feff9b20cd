/**
 * Preloaded into a measured process (`node --import bench/usage-preload.js …`, or through
 * NODE_OPTIONS): when the process exits, writes its own resource usage to $BENCH_USAGE_FILE, so the
 * bench can report CPU seconds and peak RSS of a child it does not otherwise control.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';

const file = process.env.BENCH_USAGE_FILE;
if (file) {
  process.on('exit', (code) => {
    const usage = process.resourceUsage();
    const heap = getHeapStatistics();
    writeFileSync(
      file,
      JSON.stringify({
        code,
        userCpuSeconds: usage.userCPUTime / 1e6,
        systemCpuSeconds: usage.systemCPUTime / 1e6,
        cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6,
        maxRssBytes: ownPeakRssBytes(usage),
        /** From process start (time origin) to exit, as the process itself saw it. */
        uptimeMs: performance.now(),
        voluntaryContextSwitches: usage.voluntaryContextSwitches,
        fsWrite: usage.fsWrite,
        /** V8 heap at exit: what the heap holds vs what it has reserved (helps to explain a high RSS). */
        heapUsedBytes: heap.used_heap_size,
        heapTotalBytes: heap.total_heap_size,
        mallocedPeakBytes: heap.peak_malloced_memory,
        externalBytes: process.memoryUsage().external,
      }),
    );
  });
}

/**
 * Peak resident set size of this process, bytes. On Linux getrusage's ru_maxrss keeps, across exec, the peak of the
 * forked copy of the parent that became this process: a child of a 290 MB parent reports 290 MB however small it
 * stays. The kernel's VmHWM counts this process's own memory only. Elsewhere, ru_maxrss (KiB).
 */
function ownPeakRssBytes(usage) {
  try {
    const kib = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (kib) return Number(kib) * 1024;
  } catch {
    // no /proc
  }
  return usage.maxRSS * 1024;
}
