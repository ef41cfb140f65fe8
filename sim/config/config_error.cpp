#include <string>
#include <utility>
#include <vector>

#include "teardown/config.hpp"

namespace teardown {
namespace {

std::string describe_issues(const std::vector<ConfigIssue>& issues) {
  std::string text;
  for (const ConfigIssue& issue : issues) {
    if (!text.empty()) text += '\n';
    if (issue.path.empty()) {
      // Not about a key (a syntax error, an unreadable file): lead with the place, as compilers do.
      if (!issue.where.empty()) text += issue.where + ": ";
      text += issue.message;
    } else {
      text += issue.path + ": " + issue.message;
      if (!issue.where.empty()) text += " (at " + issue.where + ")";
    }
  }
  return text;
}

}  // namespace

ConfigError::ConfigError(std::vector<ConfigIssue> found)
    : std::runtime_error(describe_issues(found)), issues(std::move(found)) {}

}  // namespace teardown
