import Foundation
import KeyValueEmbedded
import TestSupport

/// A fresh store file in a temp directory (named after `prefix`), closed and removed after
/// `body`, even when it throws.
func withStoreFile<T>(prefix: String = "kvsh-multiprocess-",
                      _ body: (String, EmbeddedKeyValueStore) async throws -> T) async throws -> T {
    let dir = try makeTempDir(prefix: prefix)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let path = dir + "/store.db"
    let store = try await EmbeddedKeyValueStore.open(path: path)
    do {
        let result = try await body(path, store)
        await store.close()
        return result
    } catch {
        await store.close()
        throw error
    }
}
