// A growable array of trivially copyable values in its own anonymous mapping.
//
// Why not std::vector: on the machines we run on, first-touch page faults of
// fresh heap memory cost ~10 us per 4 KiB page, which made the per-type
// offset index and the name table (together ~1.5 MiB for vmlinux) the
// largest part of a cold `rawops` start. Mapping the expected size with
// MAP_POPULATE faults it in one batch (~4x cheaper here) and the memory
// arrives zeroed, so a zero-filled table needs no memset. Growth beyond the
// reservation uses mremap and faults lazily.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <new>
#include <type_traits>
#include <utility>

namespace rawops::btf {

template <typename T>
class PageArray {
    static_assert(std::is_trivially_copyable_v<T>);

public:
    PageArray() = default;
    PageArray(PageArray&& o) noexcept { swap(o); }
    PageArray& operator=(PageArray&& o) noexcept {
        PageArray tmp(std::move(o));
        swap(tmp);
        return *this;
    }
    PageArray(const PageArray&) = delete;
    PageArray& operator=(const PageArray&) = delete;
    ~PageArray() { release(); }

    // Maps room for `n` elements, populated, zeroed; size() becomes 0.
    // Returns false when the kernel refuses the memory.
    bool reserve(std::size_t n) {
        release();
        if (n == 0) return true;
        void* p = ::mmap(nullptr, n * sizeof(T), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
                         -1, 0);
        if (p == MAP_FAILED) return false;
        data_ = static_cast<T*>(p);
        cap_ = n;
        return true;
    }
    // n zero elements.
    bool assign_zero(std::size_t n) {
        if (!reserve(n)) return false;
        size_ = n;
        return true;
    }
    bool push_back(const T& v) {
        if (size_ == cap_ && !grow()) return false;
        data_[size_++] = v;
        return true;
    }

    // For fill loops that write through data() themselves: room, the count
    // written so far, and more room (contents kept).
    std::size_t capacity() const { return cap_; }
    void set_size(std::size_t n) { size_ = n <= cap_ ? n : cap_; }
    bool grow_capacity() { return grow(); }

    T* data() { return data_; }
    const T* data() const { return data_; }
    std::size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    T& operator[](std::size_t i) { return data_[i]; }
    const T& operator[](std::size_t i) const { return data_[i]; }

private:
    bool grow() {
        std::size_t ncap = cap_ ? cap_ * 2 : 1024;
        if (!data_) return reserve(ncap);
        void* p = ::mremap(data_, cap_ * sizeof(T), ncap * sizeof(T), MREMAP_MAYMOVE);
        if (p == MAP_FAILED) return false;
        data_ = static_cast<T*>(p);
        cap_ = ncap;
        return true;
    }
    void release() {
        if (data_) ::munmap(data_, cap_ * sizeof(T));
        data_ = nullptr;
        size_ = cap_ = 0;
    }
    void swap(PageArray& o) noexcept {
        std::swap(data_, o.data_);
        std::swap(size_, o.size_);
        std::swap(cap_, o.cap_);
    }

    T* data_ = nullptr;
    std::size_t size_ = 0;
    std::size_t cap_ = 0;
};

}  // namespace rawops::btf
