import KvshCLI
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

exit(await KvshCommandLine.run(Array(CommandLine.arguments.dropFirst())))
