import KvshCLI

KvshCommandLine.runProcess(Array(CommandLine.arguments.dropFirst()))
