package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// S3 keeps blobs as objects of a bucket of an S3-compatible service
// (Amazon S3, MinIO, SeaweedFS, Ceph, …), under a prefix: every server
// reads them, and the database stays small.
type S3 struct {
	Client *minio.Client
	Bucket string
	Prefix string // "" or ending in "/"
}

// ParseS3 reads a bucket's address:
//
//	s3://BUCKET[/PREFIX]?endpoint=HOST[:PORT][&region=R][&insecure=true]
//
// (endpoint s3.amazonaws.com when none is given). The credentials are the
// environment's: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or the
// instance's role. Errors: Invalid.
func ParseS3(address string) (*S3, error) {
	u, err := url.Parse(address)
	if err != nil || u.Scheme != "s3" || u.Host == "" {
		return nil, errs.New(errs.Invalid, fmt.Sprintf("%q is not a bucket address: write s3://BUCKET/PREFIX?endpoint=HOST:PORT", address))
	}
	q := u.Query()
	endpoint := q.Get("endpoint")
	if endpoint == "" {
		endpoint = "s3.amazonaws.com"
	}
	creds := credentials.NewChainCredentials([]credentials.Provider{&credentials.EnvAWS{}, &credentials.IAM{}})
	if os.Getenv("AWS_ACCESS_KEY_ID") != "" {
		creds = credentials.NewEnvAWS()
	}
	client, err := minio.New(endpoint, &minio.Options{Creds: creds, Secure: q.Get("insecure") != "true", Region: q.Get("region")})
	if err != nil {
		return nil, errs.Wrap(errs.Invalid, "bucket "+address, err)
	}
	prefix := strings.Trim(u.Path, "/")
	if prefix != "" {
		prefix += "/"
	}
	return &S3{Client: client, Bucket: u.Host, Prefix: prefix}, nil
}

func (b *S3) String() string { return "the bucket " + b.Bucket + " at " + b.Client.EndpointURL().Host }

// Check says whether the bucket can be reached and exists.
func (b *S3) Check(ctx context.Context) error {
	ok, err := b.Client.BucketExists(ctx, b.Bucket)
	if err != nil {
		return errs.Wrap(errs.Unavailable, "cannot reach "+b.String(), err)
	}
	if !ok {
		return errs.New(errs.Invalid, b.String()+" does not exist: create it first")
	}
	return nil
}

// partSize is the size of each part of a multipart upload: an upload of
// up to 10,000 parts of 16 MiB takes files past 150 GiB.
const partSize = 16 << 20

var errAborted = errors.New("upload aborted")

func (b *S3) Create(ctx context.Context, key string) (Writer, error) {
	pr, pw := io.Pipe()
	w := &s3Writer{pw: pw, done: make(chan error, 1)}
	go func() {
		_, err := b.Client.PutObject(ctx, b.Bucket, b.Prefix+key, pr, -1, minio.PutObjectOptions{PartSize: partSize, ContentType: "application/octet-stream"})
		pr.CloseWithError(err)
		w.done <- err
	}()
	return w, nil
}

type s3Writer struct {
	pw   *io.PipeWriter
	done chan error
}

func (w *s3Writer) Write(p []byte) (int, error) { return w.pw.Write(p) }

func (w *s3Writer) Commit() error {
	w.pw.Close()
	if err := <-w.done; err != nil {
		return errs.Wrap(errs.Unavailable, "the upload cannot be stored in the bucket", err)
	}
	return nil
}

// Abort ends the upload with an error, which makes the client abort a
// multipart upload; nothing of it is kept.
func (w *s3Writer) Abort() {
	w.pw.CloseWithError(errAborted)
	<-w.done
}

func (b *S3) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	obj, err := b.Client.GetObject(ctx, b.Bucket, b.Prefix+key, minio.GetObjectOptions{})
	if err == nil {
		_, err = obj.Stat()
	}
	if err != nil {
		if obj != nil {
			obj.Close()
		}
		if minio.ToErrorResponse(err).Code == minio.NoSuchKey {
			return nil, errs.New(errs.NotFound, "the stored file "+key+" is gone")
		}
		return nil, errs.Wrap(errs.Unavailable, "the stored file "+key+" cannot be read from "+b.String(), err)
	}
	return obj, nil
}

func (b *S3) Delete(ctx context.Context, key string) error {
	if err := b.Client.RemoveObject(ctx, b.Bucket, b.Prefix+key, minio.RemoveObjectOptions{}); err != nil && minio.ToErrorResponse(err).Code != minio.NoSuchKey {
		return errs.Wrap(errs.Unavailable, "the stored file "+key+" cannot be removed from "+b.String(), err)
	}
	return nil
}

func (b *S3) Keys(ctx context.Context, prefix string, before time.Time) ([]string, error) {
	var keys []string
	for obj := range b.Client.ListObjects(ctx, b.Bucket, minio.ListObjectsOptions{Prefix: b.Prefix + prefix, Recursive: true}) {
		if obj.Err != nil {
			return nil, errs.Wrap(errs.Unavailable, "cannot list "+b.String(), obj.Err)
		}
		if obj.LastModified.Before(before) {
			keys = append(keys, strings.TrimPrefix(obj.Key, b.Prefix))
		}
	}
	return keys, nil
}
