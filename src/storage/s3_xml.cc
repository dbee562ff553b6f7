#include "storage/s3_xml.h"

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <climits>
#include <memory>
#include <mutex>

#include "storage/storage_error.h"

namespace protifer::storage {
namespace {

struct DocumentDeleter {
  void operator()(xmlDoc* document) const { xmlFreeDoc(document); }
};
using Document = std::unique_ptr<xmlDoc, DocumentDeleter>;

// libxml2 must be initialised once before threads parse concurrently.
void InitialiseLibxml() {
  static std::once_flag once;
  std::call_once(once, [] { xmlInitParser(); });
}

Document Parse(std::string_view xml) {
  InitialiseLibxml();
  if (xml.size() > static_cast<std::size_t>(INT_MAX)) {
    return nullptr;
  }
  // No XML_PARSE_NOENT (it would substitute external entities) and no DTD loading; NONET keeps
  // libxml2 off the network; NOERROR/NOWARNING keep it from printing to stderr.
  constexpr int kOptions = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;
  return Document(xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "s3-response.xml",
                                nullptr, kOptions));
}

bool HasName(const xmlNode* node, std::string_view name) {
  return node->type == XML_ELEMENT_NODE &&
         std::string_view(reinterpret_cast<const char*>(node->name)) == name;
}

std::string TextOf(const xmlNode* node) {
  xmlChar* content = xmlNodeGetContent(node);
  if (content == nullptr) {
    return {};
  }
  std::string text(reinterpret_cast<const char*>(content));
  xmlFree(content);
  return text;
}

const xmlNode* ChildNamed(const xmlNode* parent, std::string_view name) {
  for (const xmlNode* child = parent->children; child != nullptr; child = child->next) {
    if (HasName(child, name)) {
      return child;
    }
  }
  return nullptr;
}

}  // namespace

ListObjectsPage ParseListObjectsV2(std::string_view xml) {
  const Document document = Parse(xml);
  const xmlNode* root = document ? xmlDocGetRootElement(document.get()) : nullptr;
  if (root == nullptr) {
    throw StorageError("S3 ListObjectsV2: response is not well-formed XML");
  }
  if (!HasName(root, "ListBucketResult")) {
    throw StorageError("S3 ListObjectsV2: expected <ListBucketResult>, got <" +
                       std::string(reinterpret_cast<const char*>(root->name)) + ">");
  }
  ListObjectsPage page;
  for (const xmlNode* child = root->children; child != nullptr; child = child->next) {
    if (HasName(child, "Contents")) {
      const xmlNode* key = ChildNamed(child, "Key");
      if (key == nullptr) {
        throw StorageError("S3 ListObjectsV2: <Contents> without <Key>");
      }
      page.keys.push_back(TextOf(key));
    } else if (HasName(child, "IsTruncated")) {
      page.is_truncated = TextOf(child) == "true";
    } else if (HasName(child, "NextContinuationToken")) {
      page.next_continuation_token = TextOf(child);
    }
  }
  return page;
}

std::optional<S3ErrorDocument> ParseS3Error(std::string_view xml) {
  if (xml.empty()) {
    return std::nullopt;
  }
  const Document document = Parse(xml);
  const xmlNode* root = document ? xmlDocGetRootElement(document.get()) : nullptr;
  if (root == nullptr || !HasName(root, "Error")) {
    return std::nullopt;
  }
  S3ErrorDocument error;
  if (const xmlNode* code = ChildNamed(root, "Code")) {
    error.code = TextOf(code);
  }
  if (const xmlNode* message = ChildNamed(root, "Message")) {
    error.message = TextOf(message);
  }
  return error;
}

}  // namespace protifer::storage
