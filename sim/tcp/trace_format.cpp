#include <cstdio>

#include "tcp/tcp_stack.hpp"
#include "teardown/trace.hpp"

namespace teardown {

std::string segment_name(std::uint8_t flags) {
  std::string s;
  auto add = [&](const char* part) {
    if (!s.empty()) s += '+';
    s += part;
  };
  if (flags & kSegSyn) add("SYN");
  if (flags & kSegSynAck) add("SYN-ACK");
  if (flags & kSegData) add("DATA");
  if (flags & kSegFin) add("FIN");
  if (flags & kSegAck) add("ACK");
  if (flags & kSegRst) add("RST");
  return s;
}

namespace {

std::string time_text(Time t) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%10.3fms", static_cast<double>(t) / static_cast<double>(kMillisecond));
  return buf;
}

std::string notice_text(const TraceRecord& r) {
  switch (r.notice) {
    case Notice::Accepted: return "app: accepted";
    case Notice::Connected: return "app: connected";
    case Notice::ConnectFailed: return "app: connect failed (" + std::string(to_string(r.error)) + ")";
    case Notice::Data: return "app: data";
    case Notice::Eof: return "app: end of stream";
    case Notice::Reset: return "app: " + std::string(to_string(r.error));
    case Notice::None: break;
  }
  if ((r.flags & kSegRst) && r.what == TraceRecord::Arrived) return std::string(to_string(r.fate));
  return {};
}

}  // namespace

std::string format_ladder(const std::vector<TraceRecord>& trace, std::uint32_t connection, const std::string& left,
                          const std::string& right) {
  std::string out;
  const std::size_t width = std::max(left.size(), right.size());
  auto pad = [&](const std::string& s) { return s + std::string(width - s.size(), ' '); };
  for (const TraceRecord& r : trace) {
    if (r.connection != connection) continue;
    const std::string& me = r.side == 0 ? left : right;
    std::string line = time_text(r.at) + "  ";
    switch (r.what) {
      case TraceRecord::Sent: {
        std::string seg = segment_name(r.flags);
        if (r.flags & kSegRst) seg += " (" + std::string(to_string(r.rule)) + ")";
        const std::string arrow = r.side == 0 ? " --" + seg + "--> " : " <--" + seg + "-- ";
        line += pad(left) + arrow + pad(right);
        break;
      }
      case TraceRecord::Arrived:
        line += pad(me) + "   receives " + segment_name(r.flags);
        // A middlebox's RST has no Sent line of its own: say where it came from.
        if ((r.flags & kSegRst) && r.rule == ResetRule::MiddleboxIdle) line += " from the middlebox (middlebox-idle)";
        line += "  " + std::string(to_string(r.state_after));
        if (const std::string n = notice_text(r); !n.empty()) line += ", " + n;
        break;
      case TraceRecord::AppClose:
        line += pad(me) + "   close()  " + std::string(to_string(r.state_after));
        break;
      case TraceRecord::AppShutdown:
        line += pad(me) + "   shutdown(SHUT_WR)  " + std::string(to_string(r.state_after));
        break;
      case TraceRecord::AppAbort:
        line += pad(me) + "   close() -> RST (" + std::string(to_string(r.rule)) + ")";
        break;
    }
    out += line + "\n";
  }
  return out;
}

}  // namespace teardown
