import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Seconds since an arbitrary fixed point, monotonic.
func monotonicNow() -> Double {
    Double(DispatchTime.now().uptimeNanoseconds) / 1_000_000_000
}

func sleepSeconds(_ seconds: Double) {
    usleep(useconds_t(seconds * 1_000_000))
}
