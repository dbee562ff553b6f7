#include "storage/s3_xml.h"

#include <gtest/gtest.h>

#include "storage/storage_error.h"

namespace protifer::storage {
namespace {

TEST(ParseListObjectsV2Test, ReadsKeysTruncationAndTokenWithEntitiesDecoded) {
  const ListObjectsPage page = ParseListObjectsV2(
      R"(<?xml version="1.0" encoding="UTF-8"?>)"
      R"(<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">)"
      "<Name>embeddings</Name><Prefix>emb/</Prefix><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys>"
      "<IsTruncated>true</IsTruncated>"
      "<NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>"
      "<Contents><Key>emb/a&amp;b &lt;c&gt;</Key><Size>4</Size></Contents>"
      "<Contents><ETag>&quot;x&quot;</ETag><Key>emb/\xc3\xbc</Key></Contents>"
      "</ListBucketResult>");

  EXPECT_EQ(page.keys, (std::vector<std::string>{"emb/a&b <c>", "emb/\xc3\xbc"}));
  EXPECT_TRUE(page.is_truncated);
  EXPECT_EQ(page.next_continuation_token, "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
}

TEST(ParseListObjectsV2Test, LastPageWithoutNamespaceOrContents) {
  const ListObjectsPage page = ParseListObjectsV2(
      "<ListBucketResult><Name>b</Name><IsTruncated>false</IsTruncated></ListBucketResult>");
  EXPECT_TRUE(page.keys.empty());
  EXPECT_FALSE(page.is_truncated);
  EXPECT_TRUE(page.next_continuation_token.empty());
}

TEST(ParseListObjectsV2Test, RejectsMalformedAndForeignDocuments) {
  EXPECT_THROW(ParseListObjectsV2(""), StorageError);
  EXPECT_THROW(ParseListObjectsV2("<ListBucketResult><Contents>"), StorageError);
  EXPECT_THROW(ParseListObjectsV2("<html><body>bad gateway</body></html>"), StorageError);
  EXPECT_THROW(ParseListObjectsV2("<ListBucketResult><Contents><Size>1</Size></Contents>"
                                  "</ListBucketResult>"),
               StorageError);
}

TEST(ParseListObjectsV2Test, DoesNotExpandExternalEntities) {
  const ListObjectsPage page = ParseListObjectsV2(
      R"(<?xml version="1.0"?><!DOCTYPE r [<!ENTITY leak SYSTEM "file:///etc/hostname">]>)"
      "<ListBucketResult><Contents><Key>k&leak;</Key></Contents></ListBucketResult>");
  ASSERT_EQ(page.keys.size(), 1u);
  EXPECT_EQ(page.keys[0], "k");
}

TEST(ParseS3ErrorTest, ReadsCodeAndMessage) {
  const auto error = ParseS3Error(
      R"(<?xml version="1.0" encoding="UTF-8"?>)"
      "<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message>"
      "<Key>emb/x</Key><RequestId>4442587FB7D0A2F9</RequestId></Error>");
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->code, "NoSuchKey");
  EXPECT_EQ(error->message, "The specified key does not exist.");
}

TEST(ParseS3ErrorTest, NoDocumentForEmptyHtmlOrOtherXml) {
  EXPECT_FALSE(ParseS3Error("").has_value());
  EXPECT_FALSE(ParseS3Error("<html>502 Bad Gateway</html>").has_value());
  EXPECT_FALSE(ParseS3Error("not xml at all").has_value());
  EXPECT_FALSE(ParseS3Error("<ListBucketResult/>").has_value());
}

}  // namespace
}  // namespace protifer::storage
