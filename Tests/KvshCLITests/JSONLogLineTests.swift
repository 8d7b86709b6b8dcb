@testable import KvshCLI
import Testing

@Suite("serve --log-format json: one line per event")
struct JSONLogLineTests {
    @Test("ts, level, event first, then the fields in order; one line")
    func shape() {
        let line = JSONLogLine(timestamp: "2026-12-02T12:00:00Z", level: "info", event: "hook.run.ok",
                               fields: [.init("hook", .int(1)), .init("revision", .int(42)), .init("ok", .bool(true)),
                                        .init("duration_s", .double(0.25))])
        #expect(line.text == #"{"ts":"2026-12-02T12:00:00Z","level":"info","event":"hook.run.ok","hook":1,"revision":42,"ok":true,"duration_s":0.25}"# + "\n")
    }

    @Test("quotes, backslashes, controls and line separators are escaped; a non-finite number is null")
    func escaping() {
        let line = JSONLogLine(timestamp: "t", level: "warning", event: "e",
                               fields: [.init("key", .string("a\"b\\c\nd\te\u{1}f\u{7F}é\u{2028}")),
                                        .init("n", .double(.infinity))])
        #expect(line.text == #"{"ts":"t","level":"warning","event":"e","key":"a\"b\\c\nd\te\u0001f\u007fé\u2028","n":null}"# + "\n")
        #expect(line.text.filter { $0 == "\n" }.count == 1)
    }
}
