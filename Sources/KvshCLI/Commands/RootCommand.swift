import ArgumentParser

struct KvshRoot: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kvsh",
        abstract: "A shell for the NATS JetStream Key-Value store",
        discussion: "Commands follow the nats CLI; a leading 'nats' word is accepted.",
        subcommands: [KVCommand.self, AccountCommand.self])
}

struct KVCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kv", abstract: "Key-Value store commands",
        subcommands: [KVAdd.self, KVStatus.self, KVList.self, KVPut.self, KVGet.self,
                      KVCreate.self, KVUpdate.self, KVDelete.self, KVPurge.self, KVHistory.self,
                      KVKeys.self, KVWatch.self])
}
