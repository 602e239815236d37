/* sendq.c - the SSE writer's sends, many per system call (shop/rt/sendq.h).
 *
 *   add     an SQE: IORING_OP_SEND fd buf len MSG_DONTWAIT|MSG_NOSIGNAL,
 *           user_data = the caller's tag
 *   flush   io_uring_submit: the kernel attempts each send at once, in
 *           order, inside the one call (MSG_DONTWAIT: a full socket
 *           completes with -EAGAIN rather than waiting in the kernel);
 *           then every CQE to done
 *
 * The ring is made on the thread that uses it, as its only submitter
 * (IORING_SETUP_SINGLE_ISSUER where the kernel knows it). Without io_uring
 * (io_uring_queue_init refused: ENOSYS, EPERM in a sandbox) add sends at
 * once with send() and calls done itself. */
#include "farmlive/shop/rt/sendq.h"
#include "farmlive/alloc.h"
#include "farmlive/log.h"

#include <errno.h>
#include <liburing.h>
#include <string.h>
#include <sys/socket.h>

#define SEND_FLAGS (MSG_DONTWAIT | MSG_NOSIGNAL)

struct rt_sendq {
    struct io_uring ring;
    int uring;       /* the ring is set up */
    unsigned queued; /* SQEs not submitted yet */
};

rt_sendq *rt_sendq_new(void)
{
    rt_sendq *q = fl_calloc(1, sizeof(*q));
    int rc = io_uring_queue_init(RT_SENDQ_DEPTH, &q->ring, IORING_SETUP_SINGLE_ISSUER);
    if (rc == -EINVAL) /* a kernel before 6.0 */
        rc = io_uring_queue_init(RT_SENDQ_DEPTH, &q->ring, 0);
    q->uring = rc == 0;
    if (!q->uring)
        fl_log(FL_LOG_INFO, "rt_sendq", "no io_uring (%s): one send() per stream", strerror(-rc));
    return q;
}

void rt_sendq_free(rt_sendq *q)
{
    if (!q)
        return;
    if (q->uring)
        io_uring_queue_exit(&q->ring);
    fl_free(q);
}

void rt_sendq_add(rt_sendq *q, int fd, const void *buf, size_t len, void *tag, rt_sendq_done_fn done, void *arg)
{
    struct io_uring_sqe *sqe;
    if (!q->uring) {
        ssize_t w = send(fd, buf, len, SEND_FLAGS);
        done(arg, tag, w < 0 ? -errno : w);
        return;
    }
    if (q->queued >= RT_SENDQ_DEPTH)
        rt_sendq_flush(q, done, arg);
    sqe = io_uring_get_sqe(&q->ring); /* not NULL: at most RT_SENDQ_DEPTH are queued, all flushed */
    io_uring_prep_send(sqe, fd, buf, len, SEND_FLAGS);
    io_uring_sqe_set_data(sqe, tag);
    q->queued++;
}

void rt_sendq_flush(rt_sendq *q, rt_sendq_done_fn done, void *arg)
{
    unsigned left = q->queued;
    if (!q->uring || left == 0)
        return;
    q->queued = 0;
    int rc;
    while ((rc = io_uring_submit(&q->ring)) == -EINTR)
        ;
    if (rc < (int)left) /* cannot happen: the completion ring holds twice the queue, always emptied */
        fl_log(FL_LOG_ERROR, "rt_sendq", "io_uring_submit: %d of %u (%s)", rc, left, rc < 0 ? strerror(-rc) : "");
    if (rc < 0)
        return;
    left = (unsigned)rc;
    while (left > 0) {
        struct io_uring_cqe *cqe;
        rc = io_uring_wait_cqe(&q->ring, &cqe); /* at once: each send was attempted in the submit */
        if (rc == -EINTR)
            continue;
        if (rc < 0) { /* cannot happen with a set-up ring; said rather than spun on */
            fl_log(FL_LOG_ERROR, "rt_sendq", "io_uring_wait_cqe: %s", strerror(-rc));
            break;
        }
        done(arg, io_uring_cqe_get_data(cqe), cqe->res);
        io_uring_cqe_seen(&q->ring, cqe);
        left--;
    }
}
