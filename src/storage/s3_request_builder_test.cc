// Whole requests as S3ObjectStore sends them, checked against an independent signer: the
// expected signatures were computed once with botocore 1.43.11's S3SigV4Auth (the AWS SDK for
// Python), given the same method, URL (key encoded by botocore's own percent_encode with
// safe "/~"), query parameters, Content-Type, body and time. s3rver does not verify
// signatures, so these vectors are what guards key encoding, query canonicalisation and the
// signed-header set against a real S3/Garage server.
#include "storage/s3_request_builder.h"

#include <gtest/gtest.h>

#include <string>

#include "storage/storage_error.h"

namespace protifer::storage {
namespace {

constexpr const char* kAmzDate = "20261127T101500Z";

S3RequestBuilder Builder(std::string_view endpoint, std::string_view region) {
  // The credentials of protifer's test stack (spec §9.1): GK000...0 / 64 x '0'.
  return S3RequestBuilder(
      S3Endpoint::Parse(endpoint), "embeddings",
      SigV4Signer("GK000000000000000000000000", std::string(64, '0'), std::string(region), "s3"));
}

std::string HeaderValue(const HttpRequest& request, std::string_view name) {
  for (const HttpHeader& header : request.headers) {
    if (header.name == name) {
      return header.value;
    }
  }
  return "<missing>";
}

std::string SignatureOf(const HttpRequest& request) {
  const std::string authorization = HeaderValue(request, "authorization");
  const std::size_t at = authorization.find("Signature=");
  return at == std::string::npos ? "<none>" : authorization.substr(at + 10);
}

TEST(S3RequestBuilderTest, PutObjectMatchesBotocore) {
  const std::string body("\x00\x3c\x00\xbc", 4);
  const HttpRequest request =
      Builder("http://127.0.0.1:4569", "garage")
          .ForObject("PUT",
                     "emb/prott5_xl_u50/dev/"
                     "c3b29c8154d4b6719cdac8a5815859ca3eb45b5ea70d0dfd14d300c0ddd5c151",
                     body, "application/octet-stream", kAmzDate);

  EXPECT_EQ(request.method, "PUT");
  EXPECT_EQ(request.url,
            "http://127.0.0.1:4569/embeddings/emb/prott5_xl_u50/dev/"
            "c3b29c8154d4b6719cdac8a5815859ca3eb45b5ea70d0dfd14d300c0ddd5c151");
  EXPECT_EQ(HeaderValue(request, "host"), "127.0.0.1:4569");
  EXPECT_EQ(HeaderValue(request, "content-type"), "application/octet-stream");
  EXPECT_EQ(HeaderValue(request, "x-amz-content-sha256"),
            "457e6448fa785b7fb4353a221d0272e29136ca2ed82b36c9acae82358d980b0e");
  EXPECT_EQ(HeaderValue(request, "authorization"),
            "AWS4-HMAC-SHA256 "
            "Credential=GK000000000000000000000000/20261127/garage/s3/aws4_request,"
            "SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date,"
            "Signature=44c34847f8e507d12e2c69851a478499ed117800a82731a53537f8bd9f408f5a");
}

TEST(S3RequestBuilderTest, GetObjectWithSpecialCharactersInKeyMatchesBotocore) {
  const HttpRequest request =
      Builder("http://127.0.0.1:4569", "garage")
          .ForObject("GET", "pred/sp ace/plus+amp&eq=q?h#p%25/\xc3\xbc-\xe2\x82\xac~!*'()", {}, {},
                     kAmzDate);

  EXPECT_EQ(request.url,
            "http://127.0.0.1:4569/embeddings/pred/sp%20ace/plus%2Bamp%26eq%3Dq%3Fh%23p%2525/"
            "%C3%BC-%E2%82%AC~%21%2A%27%28%29");
  EXPECT_EQ(HeaderValue(request, "content-type"), "<missing>");
  EXPECT_EQ(SignatureOf(request),
            "c8399944b072a2d425443eb5470808bc32f14d46456b7c58072ec3993b0d8241");
}

TEST(S3RequestBuilderTest, ListObjectsV2WithTokenAndPrefixMatchesBotocore) {
  const HttpRequest request =
      Builder("http://garage:3900", "garage")
          .ForBucket("GET",
                     {{"list-type", "2"},
                      {"max-keys", "3"},
                      {"prefix", "emb/a b+"},
                      {"continuation-token", "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM+="}},
                     kAmzDate);

  // Sent in canonical form, so the server checks exactly the string that was signed.
  EXPECT_EQ(request.url,
            "http://garage:3900/embeddings?continuation-token="
            "1ueGcxLPRx1Tr%2FXYExHnhbYLgveDs2J%2Fwm36Hy4vbOwM%2B%3D&list-type=2&max-keys=3&"
            "prefix=emb%2Fa%20b%2B");
  EXPECT_EQ(SignatureOf(request),
            "6e2cab8ccdc2cc42a6aff9e65b38e354b5562a1280653b75c1c62d9d58e3cc28");
}

TEST(S3RequestBuilderTest, HeadThroughHttpsEndpointWithDefaultPortAndBasePathMatchesBotocore) {
  const HttpRequest request = Builder("https://s3.example.com:443/base/", "us-east-1")
                                  .ForObject("HEAD", "a/b", {}, {}, kAmzDate);

  EXPECT_EQ(request.url, "https://s3.example.com/base/embeddings/a/b");
  EXPECT_EQ(HeaderValue(request, "host"), "s3.example.com");
  EXPECT_EQ(SignatureOf(request),
            "5c0aa1c3ec2234de88de867a30bbeefc3094ab03116184ac657824b5129e41b4");
}

TEST(S3RequestBuilderTest, DeleteObjectMatchesBotocore) {
  const HttpRequest request =
      Builder("http://garage:3900", "garage").ForObject("DELETE", "x", {}, {}, kAmzDate);
  EXPECT_EQ(request.url, "http://garage:3900/embeddings/x");
  EXPECT_EQ(SignatureOf(request),
            "d30e4304a20eb314337bbfae4cb9641ab4161d8ff39cc09a003ea4911d3eae38");
}

TEST(S3RequestBuilderTest, BodyIsHashedButNotAttached) {
  const HttpRequest request =
      Builder("http://garage:3900", "garage").ForObject("PUT", "k", "abc", "text/plain", kAmzDate);
  EXPECT_TRUE(request.body.empty());
  EXPECT_EQ(HeaderValue(request, "x-amz-content-sha256"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(S3EndpointTest, ParsesSchemeHostPortAndBasePath) {
  const S3Endpoint plain = S3Endpoint::Parse("http://garage:3900");
  EXPECT_EQ(plain.scheme, "http");
  EXPECT_EQ(plain.host, "garage:3900");
  EXPECT_EQ(plain.base_path, "");

  EXPECT_EQ(S3Endpoint::Parse("http://garage:80/").host, "garage");
  EXPECT_EQ(S3Endpoint::Parse("https://garage:443").host, "garage");
  EXPECT_EQ(S3Endpoint::Parse("https://garage:80").host, "garage:80");
  EXPECT_EQ(S3Endpoint::Parse("http://[::1]:3900").host, "[::1]:3900");
  EXPECT_EQ(S3Endpoint::Parse("http://h/s3//").base_path, "/s3");
}

TEST(S3EndpointTest, RejectsNonHttpOrMalformedEndpoints) {
  EXPECT_THROW(S3Endpoint::Parse("ftp://garage:21"), StorageError);
  EXPECT_THROW(S3Endpoint::Parse("not a url"), StorageError);
  EXPECT_THROW(S3Endpoint::Parse(""), StorageError);
}

}  // namespace
}  // namespace protifer::storage
