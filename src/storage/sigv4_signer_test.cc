// The signer against AWS's published SigV4 examples for S3 ("Signature Calculations for the
// Authorization Header: Transferring Payload in a Single Chunk", examplebucket, 2013-05-24,
// access key AKIAIOSFODNN7EXAMPLE) and the signing-key derivation example of the SigV4
// reference. A 64-hex match cannot happen by accident: each one pins the canonical request,
// the scope, the key derivation and the final HMAC together.
#include "storage/sigv4_signer.h"

#include <gtest/gtest.h>

#include <chrono>

namespace protifer::storage {
namespace {

constexpr const char* kAccessKeyId = "AKIAIOSFODNN7EXAMPLE";
constexpr const char* kSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr const char* kHost = "examplebucket.s3.amazonaws.com";
constexpr const char* kAmzDate = "20130524T000000Z";
constexpr const char* kEmptySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

SigV4Signer ExampleSigner() { return SigV4Signer(kAccessKeyId, kSecret, "us-east-1", "s3"); }

SigV4Request BodilessGet(std::string canonical_uri, std::vector<QueryParameter> query) {
  SigV4Request request;
  request.method = "GET";
  request.canonical_uri = std::move(canonical_uri);
  request.query = std::move(query);
  request.payload_sha256 = kEmptySha256;
  request.headers = {
      {"Host", kHost}, {"x-amz-content-sha256", kEmptySha256}, {"x-amz-date", kAmzDate}};
  return request;
}

TEST(SigV4SignerTest, AwsExampleGetObjectWithRange) {
  SigV4Request request = BodilessGet("/test.txt", {});
  request.headers.push_back({"Range", "bytes=0-9"});

  const SigV4Signature signed_request = ExampleSigner().Sign(request, kAmzDate);

  EXPECT_EQ(signed_request.canonical_request,
            "GET\n"
            "/test.txt\n"
            "\n"
            "host:examplebucket.s3.amazonaws.com\n"
            "range:bytes=0-9\n"
            "x-amz-content-sha256:"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
            "x-amz-date:20130524T000000Z\n"
            "\n"
            "host;range;x-amz-content-sha256;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(signed_request.string_to_sign,
            "AWS4-HMAC-SHA256\n"
            "20130524T000000Z\n"
            "20130524/us-east-1/s3/aws4_request\n"
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  EXPECT_EQ(signed_request.signature,
            "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  EXPECT_EQ(signed_request.authorization,
            "AWS4-HMAC-SHA256 "
            "Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4SignerTest, AwsExamplePutObjectEncodesDollarInKey) {
  constexpr const char* kBodySha256 =
      "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072";  // "Welcome to Amazon
                                                                           // S3."
  SigV4Request request;
  request.method = "PUT";
  request.canonical_uri = "/" + UriEncode("test$file.text", false);
  request.payload_sha256 = kBodySha256;
  request.headers = {{"Host", kHost},
                     {"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                     {"x-amz-date", kAmzDate},
                     {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
                     {"x-amz-content-sha256", kBodySha256}};

  const SigV4Signature signed_request = ExampleSigner().Sign(request, kAmzDate);

  EXPECT_EQ(signed_request.canonical_request,
            "PUT\n"
            "/test%24file.text\n"
            "\n"
            "date:Fri, 24 May 2013 00:00:00 GMT\n"
            "host:examplebucket.s3.amazonaws.com\n"
            "x-amz-content-sha256:"
            "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072\n"
            "x-amz-date:20130524T000000Z\n"
            "x-amz-storage-class:REDUCED_REDUNDANCY\n"
            "\n"
            "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class\n"
            "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  EXPECT_EQ(signed_request.string_to_sign,
            "AWS4-HMAC-SHA256\n"
            "20130524T000000Z\n"
            "20130524/us-east-1/s3/aws4_request\n"
            "9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d");
  EXPECT_EQ(signed_request.signature,
            "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

TEST(SigV4SignerTest, AwsExampleGetBucketLifecycleSignsBareQueryNameWithEmptyValue) {
  const SigV4Signature signed_request =
      ExampleSigner().Sign(BodilessGet("/", {{"lifecycle", ""}}), kAmzDate);

  EXPECT_EQ(signed_request.canonical_request,
            "GET\n/\nlifecycle=\n"
            "host:examplebucket.s3.amazonaws.com\n"
            "x-amz-content-sha256:"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
            "x-amz-date:20130524T000000Z\n\n"
            "host;x-amz-content-sha256;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(signed_request.signature,
            "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

TEST(SigV4SignerTest, AwsExampleListObjectsSortsQueryParameters) {
  // Given out of order on purpose: the canonical query must sort them.
  const SigV4Signature signed_request =
      ExampleSigner().Sign(BodilessGet("/", {{"prefix", "J"}, {"max-keys", "2"}}), kAmzDate);

  EXPECT_NE(signed_request.canonical_request.find("\nmax-keys=2&prefix=J\n"), std::string::npos);
  EXPECT_EQ(signed_request.signature,
            "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST(SigV4SignerTest, AwsSigningKeyDerivationExample) {
  // SigV4 reference: secret wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, 20120215, us-east-1, iam.
  const SigningKey key =
      DeriveSigningKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam");
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (const std::uint8_t byte : key) {
    hex += kDigits[byte >> 4];
    hex += kDigits[byte & 0x0f];
  }
  EXPECT_EQ(hex, "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
}

TEST(SigV4SignerTest, SignatureDependsOnSecretAndPayload) {
  const SigV4Request request = BodilessGet("/k", {});
  const std::string reference = ExampleSigner().Sign(request, kAmzDate).signature;

  const SigV4Signer other_secret(kAccessKeyId, "another-secret", "us-east-1", "s3");
  EXPECT_NE(other_secret.Sign(request, kAmzDate).signature, reference);

  SigV4Request other_payload = request;
  other_payload.payload_sha256 = "UNSIGNED-PAYLOAD";
  EXPECT_NE(ExampleSigner().Sign(other_payload, kAmzDate).signature, reference);
}

TEST(SigV4SignerTest, AuthorizationNeverContainsTheSecret) {
  const SigV4Signature signed_request = ExampleSigner().Sign(BodilessGet("/k", {}), kAmzDate);
  EXPECT_EQ(signed_request.authorization.find(kSecret), std::string::npos);
  EXPECT_EQ(signed_request.canonical_request.find(kSecret), std::string::npos);
}

TEST(SigV4SignerTest, RejectsMalformedAmzDate) {
  EXPECT_THROW(ExampleSigner().Sign(BodilessGet("/k", {}), "2013-05-24"), std::invalid_argument);
}

TEST(UriEncodeTest, KeepsUnreservedAndEncodesEverythingElseUpperCase) {
  EXPECT_EQ(UriEncode("AZaz09-._~", true), "AZaz09-._~");
  EXPECT_EQ(UriEncode("a b+c%d", true), "a%20b%2Bc%25d");
  EXPECT_EQ(UriEncode("!*'();:@&=$,?#[]", true),
            "%21%2A%27%28%29%3B%3A%40%26%3D%24%2C%3F%23%5B%5D");
  EXPECT_EQ(UriEncode("\xc3\xbc", true), "%C3%BC");  // ü as UTF-8
  EXPECT_EQ(UriEncode(std::string("\0\xff", 2), true), "%00%FF");
}

TEST(UriEncodeTest, SlashIsKeptInPathsAndEncodedInQueryValues) {
  EXPECT_EQ(UriEncode("emb/m/v/h", false), "emb/m/v/h");
  EXPECT_EQ(UriEncode("emb/m/v/h", true), "emb%2Fm%2Fv%2Fh");
}

TEST(CanonicalQueryStringTest, EncodesThenSortsByNameThenValue) {
  EXPECT_EQ(
      CanonicalQueryString({{"prefix", "emb/a b"}, {"list-type", "2"}, {"a", "y"}, {"a", "x"}}),
      "a=x&a=y&list-type=2&prefix=emb%2Fa%20b");
  EXPECT_EQ(CanonicalQueryString({}), "");
}

TEST(CanonicalRequestTest, CanonicalisesHeaderNamesAndValues) {
  SigV4Request request;
  request.method = "GET";
  request.canonical_uri = "";
  request.payload_sha256 = "UNSIGNED-PAYLOAD";
  request.headers = {{"X-Amz-Date", kAmzDate},
                     {"My-Header", "  a   b  c "},
                     {"HOST", "h"},
                     {"my-header", "second"}};
  std::string signed_headers;
  const std::string canonical = CanonicalRequest(request, &signed_headers);

  EXPECT_EQ(canonical,
            "GET\n/\n\n"
            "host:h\n"
            "my-header:a b c,second\n"
            "x-amz-date:20130524T000000Z\n\n"
            "host;my-header;x-amz-date\n"
            "UNSIGNED-PAYLOAD");
  EXPECT_EQ(signed_headers, "host;my-header;x-amz-date");
}

TEST(FormatAmzDateTest, FormatsUtcBasicIso8601) {
  using std::chrono::seconds;
  const std::chrono::system_clock::time_point may_24_2013{seconds(1369353600)};
  EXPECT_EQ(FormatAmzDate(may_24_2013), "20130524T000000Z");
  EXPECT_EQ(FormatAmzDate(may_24_2013 + seconds(3600 * 23 + 60 * 59 + 58)), "20130524T235958Z");
}

}  // namespace
}  // namespace protifer::storage
