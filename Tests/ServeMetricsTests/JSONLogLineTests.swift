import ServeMetrics
import Testing

@Suite("ServeMetrics: JSON log lines")
struct JSONLogLineTests {
    @Test("ts, level, event first, then the fields in order; one line")
    func shape() {
        let line = JSONLogLine(timestamp: "2026-12-02T12:00:00Z", level: "info", event: "hook.run.finished",
                               fields: [("hook", .string("h1")), ("revision", .int(42)), ("ok", .bool(true)),
                                        ("duration_s", .double(0.25))])
        #expect(line.text == #"{"ts":"2026-12-02T12:00:00Z","level":"info","event":"hook.run.finished","hook":"h1","revision":42,"ok":true,"duration_s":0.25}"# + "\n")
    }

    @Test("quotes, backslashes and control characters are escaped; other text stays as is")
    func escaping() {
        let line = JSONLogLine(timestamp: "t", level: "warning", event: "e",
                               fields: [("key", .string("a\"b\\c\nd\te\u{1}f\u{7F}é")), ("n", .double(.infinity))])
        #expect(line.text == #"{"ts":"t","level":"warning","event":"e","key":"a\"b\\c\nd\te\u0001f\u007fé","n":null}"# + "\n")
        #expect(line.text.filter { $0 == "\n" }.count == 1)
    }
}
