#pragma once

// A counting semaphore with asynchronous, strictly first-come-first-served permits.
//
// It is the process-wide bound on in-flight ModelInfer calls (spec §5.4, DESIGN §3): every call
// acquires a permit after its request is built, holds it across retries and backoff timers, and
// releases it exactly once on every path. Acquire never blocks, so it can be used from gRPC
// callback threads and timer callbacks; a waiter is resumed by whichever thread releases the
// permit it is handed.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <future>
#include <mutex>

namespace protifer::concurrency {

namespace detail {
struct GrantNode;  // one queued Acquire; defined in fifo_semaphore.cc
}  // namespace detail

// Thread-safe: every member may be called from any thread at any time.
//
// Ordering: grants are made in the order Acquire calls entered the semaphore. A released permit
// is handed directly to the longest waiter, so the free count stays 0 while anybody waits and a
// newcomer can never overtake a waiter.
//
// Callbacks run outside the internal mutex. A grant handed over while the releasing thread is
// itself inside an on_granted callback (the usual case: a callback's Permit is released when the
// callback returns) is deferred to a per-thread queue and delivered by the outermost delivery loop
// on that thread after the current callback returns. So a chain of any length of "granted,
// released, next granted" runs in constant stack depth. The price: a callback must not block
// waiting for a grant that it has itself caused by releasing a permit; that grant is delivered
// only after the callback returns. (Callbacks should not block anyway: they run on gRPC threads.)
//
// Exceptions thrown by on_granted: the Permit the callback received is destroyed by unwinding and
// therefore released (handed to the next waiter, or credited back). Grants already handed over to
// this thread are still delivered, then the exception propagates to the caller of the function
// that delivered the grant: Acquire (immediate grant), Permit::Release, SetCapacity or
// SetByteLimit. Two implicit paths cannot propagate and therefore end in std::terminate, as C++
// does for any exception escaping a destructor: a release by ~Permit or by Permit's move
// assignment, and a second exception thrown by another callback before the first one has been
// propagated.
// Callers that want the exception call Permit::Release() explicitly.
//
// Capacity can be changed at run time (SetCapacity), which an adaptive limit will use: growing
// hands the new permits to waiters at once, in FIFO order; shrinking never revokes held permits,
// it only stops granting until enough of them have been released.
//
// Optional byte bound: each Acquire may carry a byte weight (e.g. the request's payload size), and
// with a byte limit set a waiter is granted only when BOTH a permit is free AND its bytes fit:
//   in_use < capacity && (byte_limit == 0 || bytes_in_use + bytes <= byte_limit || in_use == 0)
// The last clause lets a single call larger than the limit run alone rather than deadlocking: it
// waits until nothing at all is in use, and while it runs bytes_in_use exceeds the limit, so
// nothing else is granted beside it until it is released. Both bounds are enforced by the same
// strict FIFO queue: a head waiter that does not fit blocks every waiter behind it, even ones that
// would fit. There is no bypass, so a large call cannot be starved by a stream of small ones; the
// price is that room may stay idle while the head waits for enough bytes to be released. A release
// frees the permit and its bytes at once and may therefore grant several head waiters (one big
// call leaving lets several small ones in). The byte limit can be changed at run time
// (SetByteLimit) with the same rules as SetCapacity. Weights are counted even while the limit is 0
// (unbounded), so a limit set later accounts for calls already in flight; so that this sum cannot
// overflow, an unbounded limit is treated as INT64_MAX bytes.
//
// Lifetime: every Permit must be released or destroyed before its semaphore is destroyed.
// Destroying the semaphore destroys the callbacks of waiters that were never granted without
// calling them.
class FifoSemaphore {
 public:
  // One unit of the bound, together with the byte weight it was granted with. Move-only RAII
  // handle: the destructor releases the permit and its bytes. A default-constructed or moved-from
  // Permit holds nothing and releasing it is a no-op.
  class Permit {
   public:
    Permit() noexcept = default;
    Permit(Permit&& other) noexcept;
    // Releases the permit this object holds (if any) before taking over the other one; a hand-off
    // this triggers follows the rules of the destructor (an exception would terminate).
    Permit& operator=(Permit&& other) noexcept;
    Permit(const Permit&) = delete;
    Permit& operator=(const Permit&) = delete;
    ~Permit();

    // Gives the permit and its bytes back: to as many of the longest waiters as now fit (whose
    // callbacks may run on this thread before Release returns) or to the free pool. Idempotent,
    // and safe to call from any thread, even concurrently on the same Permit (exactly one call
    // releases). Propagates an exception thrown by a waiter's callback it delivered; the
    // semaphore's state is consistent either way.
    void Release();

    // True until the permit is released or moved from.
    bool held() const noexcept;
    // The byte weight this permit was granted with while it is held; 0 once released or moved
    // from, and for a default-constructed Permit.
    std::int64_t bytes() const noexcept;

   private:
    friend class FifoSemaphore;
    Permit(FifoSemaphore* owner, std::int64_t bytes) noexcept : owner_(owner), bytes_(bytes) {}

    // Atomic so that concurrent Release calls on the same handle release exactly once.
    std::atomic<FifoSemaphore*> owner_{nullptr};
    // Written only when this object takes ownership (construction, move), never by Release, so
    // concurrent Release calls only read it: the one that wins the exchange of owner_ gives back
    // exactly these bytes. (Moving a Permit concurrently with any other use of it is a race, as
    // for any object.)
    std::int64_t bytes_ = 0;
  };

  // Throws std::invalid_argument("semaphore permits must be a positive integer, got <v>") for
  // permits <= 0, and std::invalid_argument("semaphore byte limit must be >= 0 (0 = unbounded),
  // got <v>") for max_bytes < 0. max_bytes 0 means no byte bound.
  explicit FifoSemaphore(std::int64_t permits, std::int64_t max_bytes = 0);
  ~FifoSemaphore();
  FifoSemaphore(const FifoSemaphore&) = delete;
  FifoSemaphore& operator=(const FifoSemaphore&) = delete;

  // Never blocks. Calls on_granted exactly once with a held Permit of weight `bytes`: immediately
  // on the calling thread when nobody is waiting and the call fits (see the class comment),
  // otherwise later on the thread whose release (or SetCapacity, SetByteLimit) hands it over.
  // Throws std::invalid_argument for an empty callback or bytes < 0; may throw std::bad_alloc
  // before enqueueing. In all these cases nothing was acquired.
  void Acquire(std::function<void(Permit)> on_granted, std::int64_t bytes = 0);

  // Convenience for blocking callers and tests: the future becomes ready with the Permit. If the
  // future is dropped before the grant, the permit is released as soon as it is granted. Throws
  // like Acquire.
  std::future<Permit> AcquireFuture(std::int64_t bytes = 0);

  // Changes the bound. Growing grants the new room to waiters immediately (their callbacks may run
  // on this thread before SetCapacity returns); shrinking revokes nothing. Throws
  // std::invalid_argument with the constructor's message for permits <= 0.
  void SetCapacity(std::int64_t permits);

  // Changes the byte bound (0 = unbounded). Growing (or removing) it grants the new room to waiters
  // immediately, in FIFO order (their callbacks may run on this thread before SetByteLimit
  // returns); shrinking revokes nothing, it only stops granting until enough bytes have been
  // released. Throws std::invalid_argument with the constructor's message for max_bytes < 0.
  void SetByteLimit(std::int64_t max_bytes);

  std::int64_t capacity() const;
  // Permits that a newcomer could take right now: 0 while anybody waits or while more permits are
  // in use than the (shrunk) capacity allows. Counts permits only: a newcomer with a byte weight
  // may still have to wait for bytes.
  std::int64_t available() const;
  // Permits granted and not yet released (including grants handed over but not yet delivered).
  std::int64_t in_use() const;
  // Acquire calls not yet granted.
  std::size_t waiters() const;
  // The byte bound; 0 = unbounded.
  std::int64_t byte_limit() const;
  // Sum of the byte weights of the permits counted by in_use().
  std::int64_t bytes_in_use() const;

 private:
  // Gives back one permit of weight `bytes` and grants the waiters that now fit.
  void ReleaseOne(std::int64_t bytes);
  // Whether a call of weight `bytes` may be granted now, ignoring the queue. Requires mutex_.
  bool FitsLocked(std::int64_t bytes) const;
  // Dequeues and counts as in use every head waiter that fits, in FIFO order, stopping at the
  // first that does not. Returns them as a chain for Deliver (nullptr if none). Requires mutex_;
  // never allocates.
  detail::GrantNode* GrantFittingLocked();
  // Runs the callbacks of a chain of granted nodes, or parks them for the delivery loop already
  // running on this thread. Takes ownership of the nodes.
  static void Deliver(detail::GrantNode* chain);

  mutable std::mutex mutex_;
  std::int64_t capacity_;
  std::int64_t in_use_ = 0;
  std::int64_t byte_limit_;
  std::int64_t bytes_in_use_ = 0;
  // Intrusive FIFO of waiters, so a hand-off moves a node without allocating.
  detail::GrantNode* head_ = nullptr;
  detail::GrantNode* tail_ = nullptr;
  std::size_t waiter_count_ = 0;
};

}  // namespace protifer::concurrency
