// A Result as plain Python data: dicts, lists, numbers and strings, nothing to keep alive.
// Tables come out as dicts of columns; the Python layer turns them into pandas objects.
#include <algorithm>
#include <string>
#include <vector>

#include "bindings.hpp"
#include "teardown/trace.hpp"

namespace py = pybind11;

namespace teardown::py {
namespace {

// A column of the values `get` takes from each row.
template <typename Row, typename Get>
::py::list column(const std::vector<Row>& rows, Get get) {
  ::py::list out(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) out[i] = ::py::cast(get(rows[i]));
  return out;
}

template <typename T>
::py::list list_of(const std::vector<T>& values) {
  return column(values, [](const T& v) { return v; });
}

std::string_view what_name(TraceRecord::What what) {
  switch (what) {
    case TraceRecord::Sent: return "sent";
    case TraceRecord::Arrived: return "arrived";
    case TraceRecord::AppClose: return "close";
    case TraceRecord::AppShutdown: return "shutdown";
    case TraceRecord::AppAbort: return "abort";
  }
  return "?";
}

std::string_view notice_name(NoticeKind kind) {
  switch (kind) {
    case NoticeKind::None: return "none";
    case NoticeKind::Accepted: return "accepted";
    case NoticeKind::Connected: return "connected";
    case NoticeKind::ConnectFailed: return "connect-failed";
    case NoticeKind::Data: return "data";
    case NoticeKind::Eof: return "eof";
    case NoticeKind::Reset: return "reset";
  }
  return "?";
}

::py::dict per_server(const std::vector<ServerRow>& rows) {
  ::py::dict out;
  out["server"] = column(rows, [](const ServerRow& r) { return r.server; });
  out["requests"] = column(rows, [](const ServerRow& r) { return r.requests; });
  out["connections_opened"] = column(rows, [](const ServerRow& r) { return r.connections_opened; });
  out["mean_open_connections"] = column(rows, [](const ServerRow& r) { return r.mean_open_connections; });
  out["resets_seen"] = column(rows, [](const ServerRow& r) { return r.resets_seen; });
  out["request_share"] = column(rows, [](const ServerRow& r) { return r.request_share; });
  return out;
}

::py::dict timeseries(const TimeSeries& ts) {
  ::py::dict out;
  out["bin_ns"] = ts.bin;
  out["bins"] = ts.bins;
  out["servers"] = ts.servers;
  out["requests"] = list_of(ts.requests);
  out["open_connections"] = list_of(ts.open_connections);
  return out;
}

::py::dict invariants(const Invariants& inv) {
  ::py::dict out;
  out["requests_started"] = inv.requests_started;
  out["requests_completed"] = inv.requests_completed;
  out["requests_failed"] = inv.requests_failed;
  out["requests_in_flight"] = inv.requests_in_flight;
  out["connections_opened"] = inv.connections_opened;
  out["connections_closed"] = inv.connections_closed;
  out["connections_open"] = inv.connections_open;
  out["rst_sent"] = inv.rst_sent;
  out["rst_arrived"] = inv.rst_arrived;
  out["rst_in_flight"] = inv.rst_in_flight;
  return out;
}

// Every field, enums by name; which fields mean something for which record is the caller's to say.
::py::dict trace(const std::vector<TraceRecord>& records) {
  using R = TraceRecord;
  ::py::dict out;
  out["time_ns"] = column(records, [](const R& r) { return r.at; });
  out["connection"] = column(records, [](const R& r) { return r.connection; });
  out["side"] = column(records, [](const R& r) { return static_cast<int>(r.side); });
  out["what"] = column(records, [](const R& r) { return what_name(r.what); });
  out["segment"] = column(records, [](const R& r) { return segment_name(r.flags); });
  out["rule"] = column(records, [](const R& r) { return to_string(r.rule); });
  out["state_after"] = column(records, [](const R& r) { return to_string(r.state_after); });
  out["notice"] = column(records, [](const R& r) { return notice_name(r.notice); });
  out["error"] = column(records, [](const R& r) { return to_string(r.error); });
  out["fate"] = column(records, [](const R& r) { return to_string(r.fate); });
  out["bytes"] = column(records, [](const R& r) { return r.bytes; });
  return out;
}

// format_ladder of each traced connection, in order of first appearance. The sides are named
// as the run named them, or "connecting" and "accepting" when it did not.
::py::list ladders(const Result& result) {
  std::vector<std::uint32_t> order;  // trace ids
  for (const TraceRecord& r : result.trace) {
    if (std::find(order.begin(), order.end(), r.connection) == order.end()) order.push_back(r.connection);
  }
  ::py::list out;
  for (std::uint32_t c : order) {
    std::string left = "connecting", right = "accepting";
    for (const TracedConnection& t : result.traced) {
      if (t.connection == c) {
        left = t.left;
        right = t.right;
      }
    }
    ::py::dict ladder;
    ladder["connection"] = c;
    ladder["left"] = left;
    ladder["right"] = right;
    ladder["text"] = format_ladder(result.trace, c, left, right);
    out.append(std::move(ladder));
  }
  return out;
}

}  // namespace

::py::dict result_to_dict(const Result& result) {
  ::py::dict out;
  out["scenario"] = scenario_to_dict(result.scenario);
  ::py::list warnings;
  for (const ConfigIssue& w : result.warnings) {
    ::py::dict warning;
    warning["path"] = w.path;
    warning["message"] = w.message;
    warnings.append(std::move(warning));
  }
  out["warnings"] = std::move(warnings);
  ::py::dict metrics;
  for (const auto& [name, value] : result.metrics) metrics[::py::str(name)] = value;
  out["metrics"] = std::move(metrics);
  out["per_server"] = per_server(result.per_server);
  out["timeseries"] = timeseries(result.timeseries);
  out["invariants"] = invariants(result.invariants);
  out["events"] = result.events;
  out["wall_seconds"] = result.wall_seconds;
  out["partial"] = result.partial;
  out["time_reached_ns"] = result.time_reached;
  out["trace"] = trace(result.trace);
  out["ladders"] = ladders(result);
  return out;
}

}  // namespace teardown::py
