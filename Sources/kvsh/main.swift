import Dispatch
import KvshCLI
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Before anything opens a file: with top-level `await` the runtime would start the main task
// first, and its event descriptors could take the number of a closed stdout (`kvsh … >&-`).
KvshCommandLine.guardStandardDescriptors()
let arguments = Array(CommandLine.arguments.dropFirst())
Task { exit(await KvshCommandLine.run(arguments)) }
dispatchMain()
