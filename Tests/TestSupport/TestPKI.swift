import Foundation

/// A throwaway CA, a server certificate for IP 127.0.0.1 and a client certificate (made with
/// openssl), for the client's TLS tests and the CLI's.
public struct TestPKI: Sendable {
    public let dir: String
    public var caCert: String { dir + "/ca.pem" }
    public var serverCert: String { dir + "/server.pem" }
    public var serverKey: String { dir + "/server.key" }
    public var clientCert: String { dir + "/client.pem" }
    public var clientKey: String { dir + "/client.key" }

    public init() throws {
        let openssl = ["/usr/bin/openssl", "/usr/local/bin/openssl", "/opt/homebrew/bin/openssl"]
            .first { FileManager.default.isExecutableFile(atPath: $0) }
            ?? (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
            .map { "\($0)/openssl" }.first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let openssl else {
            throw TestSupportError("openssl not found (looked in /usr/bin, /usr/local/bin and $PATH): "
                                   + "the TLS test needs it to generate certificates; install openssl")
        }
        dir = try makeTempDir(prefix: "kvsh-tls-")
        func run(_ args: [String]) throws {
            let r = try runProcess(openssl, args, timeout: 30)
            guard r.status == 0 else {
                throw TestSupportError("openssl \(args.joined(separator: " ")) failed (\(r.status)): "
                                       + String(decoding: r.stderr, as: UTF8.self))
            }
        }
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try run(["req", "-x509"] + ec + ["-keyout", dir + "/ca.key", "-out", caCert, "-days", "2",
                 "-subj", "/CN=kvsh test CA",
                 "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
        for (name, usage, cn) in [("server", "serverAuth", "127.0.0.1"), ("client", "clientAuth", "kvsh client")] {
            try run(["req"] + ec + ["-keyout", "\(dir)/\(name).key", "-out", "\(dir)/\(name).csr",
                     "-subj", "/CN=\(cn)"])
            let ext = "\(dir)/\(name).ext"
            var lines = ["basicConstraints=CA:FALSE", "keyUsage=critical,digitalSignature,keyEncipherment",
                         "extendedKeyUsage=\(usage)"]
            if name == "server" { lines.append("subjectAltName=IP:127.0.0.1") }
            try Data(lines.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: ext))
            try run(["x509", "-req", "-in", "\(dir)/\(name).csr", "-CA", caCert, "-CAkey", dir + "/ca.key",
                     "-CAcreateserial", "-out", "\(dir)/\(name).pem", "-days", "2", "-extfile", ext])
        }
    }

    public func remove() { try? FileManager.default.removeItem(atPath: dir) }
}
