#include "concurrency/fifo_semaphore.h"

#include <cassert>
#include <exception>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

namespace protifer::concurrency {

namespace detail {

struct GrantNode {
  FifoSemaphore* semaphore;
  std::function<void(FifoSemaphore::Permit)> on_granted;
  std::int64_t bytes = 0;  // the weight the Permit is granted with
  GrantNode* next = nullptr;
};

}  // namespace detail

namespace {

using detail::GrantNode;

// Grants handed over on this thread while a delivery loop already runs on it (typically: the
// callback of one grant releases its permit, which hands it to the next waiter). Parking them here
// instead of calling the next callback from inside the current one keeps the stack depth constant
// however long the hand-off chain is. Nodes are intrusive, so parking never allocates and a
// release from a destructor cannot fail.
struct PendingGrants {
  GrantNode* head = nullptr;
  GrantNode* tail = nullptr;
  bool delivering = false;

  void Append(GrantNode* chain) {
    if (tail == nullptr) {
      head = chain;
    } else {
      tail->next = chain;
    }
    tail = chain;
    while (tail->next != nullptr) {
      tail = tail->next;
    }
  }

  GrantNode* Pop() {
    GrantNode* node = head;
    if (node != nullptr) {
      head = node->next;
      if (head == nullptr) {
        tail = nullptr;
      }
      node->next = nullptr;
    }
    return node;
  }
};

thread_local PendingGrants t_pending;

void ValidatePermits(std::int64_t permits) {
  if (permits <= 0) {
    throw std::invalid_argument("semaphore permits must be a positive integer, got " +
                                std::to_string(permits));
  }
}

void ValidateByteLimit(std::int64_t max_bytes) {
  if (max_bytes < 0) {
    throw std::invalid_argument("semaphore byte limit must be >= 0 (0 = unbounded), got " +
                                std::to_string(max_bytes));
  }
}

}  // namespace

// ---- Permit ---------------------------------------------------------------------------------

FifoSemaphore::Permit::Permit(Permit&& other) noexcept
    : owner_(other.owner_.exchange(nullptr)), bytes_(other.bytes_) {}

FifoSemaphore::Permit& FifoSemaphore::Permit::operator=(Permit&& other) noexcept {
  if (this != &other) {
    Release();
    // bytes_ before owner_: a Release that sees the new owner also sees its weight.
    bytes_ = other.bytes_;
    owner_.store(other.owner_.exchange(nullptr));
  }
  return *this;
}

FifoSemaphore::Permit::~Permit() { Release(); }

void FifoSemaphore::Permit::Release() {
  // exchange, not load+store: of two racing Release calls exactly one sees the owner.
  if (FifoSemaphore* owner = owner_.exchange(nullptr); owner != nullptr) {
    owner->ReleaseOne(bytes_);
  }
}

bool FifoSemaphore::Permit::held() const noexcept { return owner_.load() != nullptr; }

std::int64_t FifoSemaphore::Permit::bytes() const noexcept { return held() ? bytes_ : 0; }

// ---- FifoSemaphore --------------------------------------------------------------------------

FifoSemaphore::FifoSemaphore(std::int64_t permits, std::int64_t max_bytes)
    : capacity_(permits), byte_limit_(max_bytes) {
  ValidatePermits(permits);
  ValidateByteLimit(max_bytes);
}

FifoSemaphore::~FifoSemaphore() {
  GrantNode* node = nullptr;
  {
    std::lock_guard lock(mutex_);
    assert(in_use_ == 0 && "a Permit outlived its FifoSemaphore");
    node = head_;
    head_ = tail_ = nullptr;
    waiter_count_ = 0;
  }
  while (node != nullptr) {
    std::unique_ptr<GrantNode> owned(node);
    node = node->next;
  }
}

void FifoSemaphore::Acquire(std::function<void(Permit)> on_granted, std::int64_t bytes) {
  if (!on_granted) {
    throw std::invalid_argument("FifoSemaphore::Acquire needs a callback");
  }
  if (bytes < 0) {
    throw std::invalid_argument("FifoSemaphore::Acquire bytes must be >= 0, got " +
                                std::to_string(bytes));
  }
  // Allocated before locking: the critical section stays allocation-free and a bad_alloc leaves
  // the semaphore untouched.
  auto node = std::make_unique<GrantNode>(GrantNode{this, std::move(on_granted), bytes});
  {
    std::lock_guard lock(mutex_);
    // Anybody waiting means the head does not fit, and a newcomer never overtakes it.
    if (waiter_count_ != 0 || !FitsLocked(bytes)) {
      GrantNode* raw = node.release();
      if (tail_ == nullptr) {
        head_ = raw;
      } else {
        tail_->next = raw;
      }
      tail_ = raw;
      ++waiter_count_;
      return;
    }
    ++in_use_;
    bytes_in_use_ += bytes;
  }
  if (t_pending.delivering) {
    // Acquire called from inside a callback: "immediately" means before Acquire returns, so run
    // it nested. The nesting depth is bounded by the caller's own nesting of Acquire calls.
    node->on_granted(Permit(this, bytes));
    return;
  }
  Deliver(node.release());
}

std::future<FifoSemaphore::Permit> FifoSemaphore::AcquireFuture(std::int64_t bytes) {
  // std::function needs a copyable callable, hence the shared promise.
  auto promise = std::make_shared<std::promise<Permit>>();
  std::future<Permit> future = promise->get_future();
  Acquire([promise](Permit permit) { promise->set_value(std::move(permit)); }, bytes);
  return future;
}

void FifoSemaphore::SetCapacity(std::int64_t permits) {
  ValidatePermits(permits);
  GrantNode* granted = nullptr;
  {
    std::lock_guard lock(mutex_);
    capacity_ = permits;
    granted = GrantFittingLocked();
  }
  if (granted != nullptr) {
    Deliver(granted);
  }
}

void FifoSemaphore::SetByteLimit(std::int64_t max_bytes) {
  ValidateByteLimit(max_bytes);
  GrantNode* granted = nullptr;
  {
    std::lock_guard lock(mutex_);
    byte_limit_ = max_bytes;
    granted = GrantFittingLocked();
  }
  if (granted != nullptr) {
    Deliver(granted);
  }
}

bool FifoSemaphore::FitsLocked(std::int64_t bytes) const {
  if (in_use_ >= capacity_) {
    return false;
  }
  // Nothing in use admits anything, so a call larger than the limit runs alone instead of waiting
  // forever (and bytes_in_use_ is then 0, so adding its weight cannot overflow).
  if (in_use_ == 0) {
    return true;
  }
  // `bytes <= limit - in use` rather than `in use + bytes <= limit`: both operands are >= 0, so
  // the subtraction cannot overflow. An unbounded limit counts as INT64_MAX, which keeps the sum
  // bytes_in_use_ representable whatever weights callers pass (a call that would overflow it
  // waits, like an oversized one, until nothing is in use).
  const std::int64_t limit =
      byte_limit_ == 0 ? std::numeric_limits<std::int64_t>::max() : byte_limit_;
  return bytes <= limit - bytes_in_use_;
}

GrantNode* FifoSemaphore::GrantFittingLocked() {
  // Strict FIFO: stop at the first waiter that does not fit, even if one behind it would.
  // Dequeued nodes are relinked into the returned chain, so granting never allocates (the mutex
  // is also taken by releases from destructors, which must not fail).
  GrantNode* granted_head = nullptr;
  GrantNode* granted_tail = nullptr;
  while (head_ != nullptr && FitsLocked(head_->bytes)) {
    GrantNode* node = head_;
    head_ = node->next;
    if (head_ == nullptr) {
      tail_ = nullptr;
    }
    node->next = nullptr;
    --waiter_count_;
    ++in_use_;
    bytes_in_use_ += node->bytes;
    if (granted_tail == nullptr) {
      granted_head = node;
    } else {
      granted_tail->next = node;
    }
    granted_tail = node;
  }
  return granted_head;
}

void FifoSemaphore::ReleaseOne(std::int64_t bytes) {
  GrantNode* granted = nullptr;
  {
    std::lock_guard lock(mutex_);
    // Free the permit and its bytes, then grant every head waiter that now fits: possibly none
    // (after a shrink, releases first bring the usage back under the new bounds; or the head
    // still waits for more bytes), possibly several (a big call leaving lets several small ones
    // in). With permits alone this is the direct hand-off: the waiter takes over the released
    // permit within this critical section, so the free count never rises while anybody waits.
    --in_use_;
    bytes_in_use_ -= bytes;
    granted = GrantFittingLocked();
  }
  if (granted != nullptr) {
    Deliver(granted);
  }
}

void FifoSemaphore::Deliver(GrantNode* chain) {
  PendingGrants& pending = t_pending;
  pending.Append(chain);
  if (pending.delivering) {
    return;  // the loop below, further up this thread's stack, runs it
  }

  pending.delivering = true;
  std::exception_ptr first_error;
  while (GrantNode* raw = pending.Pop()) {
    std::unique_ptr<GrantNode> node(raw);
    try {
      node->on_granted(Permit(node->semaphore, node->bytes));
    } catch (...) {
      // Keep delivering: the parked grants already count as in use and their callbacks must run
      // exactly once. Only one exception can be reported to our caller.
      if (first_error) {
        std::terminate();
      }
      first_error = std::current_exception();
    }
    // The node (and whatever its callback captured, which may hold permits) is destroyed here,
    // while `delivering` is still set, so releases it causes are parked, not nested.
  }
  pending.delivering = false;
  if (first_error) {
    std::rethrow_exception(first_error);
  }
}

std::int64_t FifoSemaphore::capacity() const {
  std::lock_guard lock(mutex_);
  return capacity_;
}

std::int64_t FifoSemaphore::available() const {
  std::lock_guard lock(mutex_);
  if (waiter_count_ != 0 || in_use_ >= capacity_) {
    return 0;
  }
  return capacity_ - in_use_;
}

std::int64_t FifoSemaphore::in_use() const {
  std::lock_guard lock(mutex_);
  return in_use_;
}

std::size_t FifoSemaphore::waiters() const {
  std::lock_guard lock(mutex_);
  return waiter_count_;
}

std::int64_t FifoSemaphore::byte_limit() const {
  std::lock_guard lock(mutex_);
  return byte_limit_;
}

std::int64_t FifoSemaphore::bytes_in_use() const {
  std::lock_guard lock(mutex_);
  return bytes_in_use_;
}

}  // namespace protifer::concurrency
