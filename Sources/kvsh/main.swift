import KvshCLI
