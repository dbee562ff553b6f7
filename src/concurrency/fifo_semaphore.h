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
// that delivered the grant: Acquire (immediate grant), Permit::Release, or SetCapacity. Two
// implicit paths cannot propagate and therefore end in std::terminate, as C++ does for any
// exception escaping a destructor: a release by ~Permit or by Permit's move assignment, and a
// second exception thrown by another callback before the first one has been propagated.
// Callers that want the exception call Permit::Release() explicitly.
//
// Capacity can be changed at run time (SetCapacity), which an adaptive limit will use: growing
// hands the new permits to waiters at once, in FIFO order; shrinking never revokes held permits,
// it only stops granting until enough of them have been released.
//
// Lifetime: every Permit must be released or destroyed before its semaphore is destroyed.
// Destroying the semaphore destroys the callbacks of waiters that were never granted without
// calling them.
class FifoSemaphore {
 public:
  // One unit of the bound. Move-only RAII handle: the destructor releases it. A default-constructed
  // or moved-from Permit holds nothing and releasing it is a no-op.
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

    // Gives the permit back: to the longest waiter (whose callback may run on this thread before
    // Release returns) or to the free pool. Idempotent, and safe to call from any thread, even
    // concurrently on the same Permit (exactly one call releases). Propagates an exception thrown
    // by a waiter's callback it delivered; the semaphore's state is consistent either way.
    void Release();

    // True until the permit is released or moved from.
    bool held() const noexcept;

   private:
    friend class FifoSemaphore;
    explicit Permit(FifoSemaphore* owner) noexcept : owner_(owner) {}

    // Atomic so that concurrent Release calls on the same handle release exactly once.
    std::atomic<FifoSemaphore*> owner_{nullptr};
  };

  // Throws std::invalid_argument("semaphore permits must be a positive integer, got <v>") for
  // permits <= 0.
  explicit FifoSemaphore(std::int64_t permits);
  ~FifoSemaphore();
  FifoSemaphore(const FifoSemaphore&) = delete;
  FifoSemaphore& operator=(const FifoSemaphore&) = delete;

  // Never blocks. Calls on_granted exactly once with a held Permit: immediately on the calling
  // thread when a permit is free and nobody is waiting, otherwise later on the thread whose
  // release (or SetCapacity) hands it over. Throws std::invalid_argument for an empty callback;
  // may throw std::bad_alloc before enqueueing, in which case nothing was acquired.
  void Acquire(std::function<void(Permit)> on_granted);

  // Convenience for blocking callers and tests: the future becomes ready with the Permit. If the
  // future is dropped before the grant, the permit is released as soon as it is granted.
  std::future<Permit> AcquireFuture();

  // Changes the bound. Growing grants the new room to waiters immediately (their callbacks may run
  // on this thread before SetCapacity returns); shrinking revokes nothing. Throws
  // std::invalid_argument with the constructor's message for permits <= 0.
  void SetCapacity(std::int64_t permits);

  std::int64_t capacity() const;
  // Permits that a newcomer could take right now: 0 while anybody waits or while more permits are
  // in use than the (shrunk) capacity allows.
  std::int64_t available() const;
  // Permits granted and not yet released (including grants handed over but not yet delivered).
  std::int64_t in_use() const;
  // Acquire calls not yet granted.
  std::size_t waiters() const;

 private:
  void ReleaseOne();
  // Runs the callbacks of a chain of granted nodes, or parks them for the delivery loop already
  // running on this thread. Takes ownership of the nodes.
  static void Deliver(detail::GrantNode* chain);

  mutable std::mutex mutex_;
  std::int64_t capacity_;
  std::int64_t in_use_ = 0;
  // Intrusive FIFO of waiters, so a hand-off moves a node without allocating.
  detail::GrantNode* head_ = nullptr;
  detail::GrantNode* tail_ = nullptr;
  std::size_t waiter_count_ = 0;
};

}  // namespace protifer::concurrency
