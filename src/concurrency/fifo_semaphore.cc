#include "concurrency/fifo_semaphore.h"

#include <cassert>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

namespace protifer::concurrency {

namespace detail {

struct GrantNode {
  FifoSemaphore* semaphore;
  std::function<void(FifoSemaphore::Permit)> on_granted;
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

}  // namespace

// ---- Permit ---------------------------------------------------------------------------------

FifoSemaphore::Permit::Permit(Permit&& other) noexcept : owner_(other.owner_.exchange(nullptr)) {}

FifoSemaphore::Permit& FifoSemaphore::Permit::operator=(Permit&& other) noexcept {
  if (this != &other) {
    Release();
    owner_.store(other.owner_.exchange(nullptr));
  }
  return *this;
}

FifoSemaphore::Permit::~Permit() { Release(); }

void FifoSemaphore::Permit::Release() {
  // exchange, not load+store: of two racing Release calls exactly one sees the owner.
  if (FifoSemaphore* owner = owner_.exchange(nullptr); owner != nullptr) {
    owner->ReleaseOne();
  }
}

bool FifoSemaphore::Permit::held() const noexcept { return owner_.load() != nullptr; }

// ---- FifoSemaphore --------------------------------------------------------------------------

FifoSemaphore::FifoSemaphore(std::int64_t permits) : capacity_(permits) {
  ValidatePermits(permits);
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

void FifoSemaphore::Acquire(std::function<void(Permit)> on_granted) {
  if (!on_granted) {
    throw std::invalid_argument("FifoSemaphore::Acquire needs a callback");
  }
  // Allocated before locking: the critical section stays allocation-free and a bad_alloc leaves
  // the semaphore untouched.
  auto node = std::make_unique<GrantNode>(GrantNode{this, std::move(on_granted)});
  {
    std::lock_guard lock(mutex_);
    if (waiter_count_ != 0 || in_use_ >= capacity_) {
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
  }
  if (t_pending.delivering) {
    // Acquire called from inside a callback: "immediately" means before Acquire returns, so run
    // it nested. The nesting depth is bounded by the caller's own nesting of Acquire calls.
    node->on_granted(Permit(this));
    return;
  }
  Deliver(node.release());
}

std::future<FifoSemaphore::Permit> FifoSemaphore::AcquireFuture() {
  // std::function needs a copyable callable, hence the shared promise.
  auto promise = std::make_shared<std::promise<Permit>>();
  std::future<Permit> future = promise->get_future();
  Acquire([promise](Permit permit) { promise->set_value(std::move(permit)); });
  return future;
}

void FifoSemaphore::SetCapacity(std::int64_t permits) {
  ValidatePermits(permits);
  GrantNode* granted_head = nullptr;
  GrantNode* granted_tail = nullptr;
  {
    std::lock_guard lock(mutex_);
    capacity_ = permits;
    while (head_ != nullptr && in_use_ < capacity_) {
      GrantNode* node = head_;
      head_ = node->next;
      if (head_ == nullptr) {
        tail_ = nullptr;
      }
      node->next = nullptr;
      --waiter_count_;
      ++in_use_;
      if (granted_tail == nullptr) {
        granted_head = node;
      } else {
        granted_tail->next = node;
      }
      granted_tail = node;
    }
  }
  if (granted_head != nullptr) {
    Deliver(granted_head);
  }
}

void FifoSemaphore::ReleaseOne() {
  GrantNode* handed_over = nullptr;
  {
    std::lock_guard lock(mutex_);
    // After a shrink, releases first bring in_use back under the new capacity; only a release
    // that leaves room is handed over. Otherwise the permit goes straight to the longest waiter
    // and in_use is unchanged (the free count never rises while anybody waits).
    if (head_ != nullptr && in_use_ <= capacity_) {
      handed_over = head_;
      head_ = handed_over->next;
      if (head_ == nullptr) {
        tail_ = nullptr;
      }
      handed_over->next = nullptr;
      --waiter_count_;
    } else {
      --in_use_;
    }
  }
  if (handed_over != nullptr) {
    Deliver(handed_over);
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
      node->on_granted(Permit(node->semaphore));
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

}  // namespace protifer::concurrency
