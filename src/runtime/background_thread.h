// Background threads that yield to request handling.
//
// The server's event-loop and handler threads answer requests; some threads do deferred work that
// may lag behind without losing anything, like the lake's Parquet converter (its input waits in
// the durable spool on disk). On a small machine under full load, each time such a thread takes a
// core from an event loop, the requests on that loop wait: it shows as the scoring routes' p99.
// MarkAsBackgroundThread gives the calling thread a lower scheduling priority (nice +10: about a
// tenth of a core's share when every core is busy, all the CPU it wants when one is idle), so
// deferred work runs in the gaps of the load instead.
#pragma once

namespace signx::runtime {

// Names the calling thread (`name`: at most 15 bytes, as /proc and top -H show it) and lowers its
// priority by `nice` (0: named only). Linux applies the nice value to the one thread. Best effort:
// a failure (e.g. a seccomp policy) leaves the thread at its priority.
inline constexpr int kBackgroundNice = 10;
void MarkAsBackgroundThread(const char* name, int nice = kBackgroundNice);

// The calling thread's nice value (for tests).
int CurrentThreadNice();

}  // namespace signx::runtime
