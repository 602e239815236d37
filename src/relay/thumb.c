/* thumb.c - keyframe -> libavcodec h264 -> libswscale -> mjpeg -> bytes.
 *
 * A fresh decoder per thumbnail (every thumb_interval_s, so its setup cost
 * is nothing), fed the keyframe and drained, so the frame comes out at once
 * whatever the stream's reordering delay. */
#include <string.h>

#include <libavutil/imgutils.h>
#include <libswscale/swscale.h>

#include "farmlive/log.h"
#include "farmlive/relay_thumb.h"

relay_blob *relay_thumb_make(const relay_media_params *p, relay_tag *key)
{
    int ret;
    relay_blob *out = NULL;
    const AVCodec *dec = avcodec_find_decoder(AV_CODEC_ID_H264);
    const AVCodec *enc = avcodec_find_encoder(AV_CODEC_ID_MJPEG);
    AVCodecContext *dctx = NULL, *ectx = NULL;
    AVPacket *pkt = NULL, *jpeg = NULL;
    AVFrame *frame = NULL, *scaled = NULL;
    struct SwsContext *sws = NULL;
    const uint8_t *body = relay_tag_body(key);
    size_t len = relay_tag_body_len(key);

    if (!dec || !enc || !p->avcc || len <= 5) {
        ret = AVERROR_DECODER_NOT_FOUND;
        goto end;
    }
    if (!(dctx = avcodec_alloc_context3(dec)) || !(pkt = av_packet_alloc()) || !(jpeg = av_packet_alloc()) ||
        !(frame = av_frame_alloc()) || !(scaled = av_frame_alloc())) {
        ret = AVERROR(ENOMEM);
        goto end;
    }
    if (!(dctx->extradata = av_mallocz(p->avcc_len + AV_INPUT_BUFFER_PADDING_SIZE))) {
        ret = AVERROR(ENOMEM);
        goto end;
    }
    memcpy(dctx->extradata, p->avcc, p->avcc_len);
    dctx->extradata_size = (int)p->avcc_len;
    dctx->thread_count = 1;
    dctx->flags |= AV_CODEC_FLAG_LOW_DELAY;
    if ((ret = avcodec_open2(dctx, dec, NULL)) < 0)
        goto end;
    if ((ret = av_new_packet(pkt, (int)(len - 5))) < 0) /* padded copy */
        goto end;
    memcpy(pkt->data, body + 5, len - 5);
    pkt->flags = AV_PKT_FLAG_KEY;
    pkt->pts = pkt->dts = key->ts;
    if ((ret = avcodec_send_packet(dctx, pkt)) < 0 || (ret = avcodec_send_packet(dctx, NULL)) < 0)
        goto end;
    if ((ret = avcodec_receive_frame(dctx, frame)) < 0)
        goto end;

    int w = frame->width > RELAY_THUMB_WIDTH ? RELAY_THUMB_WIDTH : frame->width;
    int h = (int)((int64_t)frame->height * w / frame->width) & ~1;
    w &= ~1;
    if (w < 2 || h < 2) {
        ret = AVERROR_INVALIDDATA;
        goto end;
    }
    scaled->format = AV_PIX_FMT_YUVJ420P;
    scaled->width = w;
    scaled->height = h;
    if ((ret = av_frame_get_buffer(scaled, 0)) < 0)
        goto end;
    if (!(sws = sws_getContext(frame->width, frame->height, frame->format, w, h, AV_PIX_FMT_YUVJ420P, SWS_BILINEAR,
                               NULL, NULL, NULL))) {
        ret = AVERROR(EINVAL);
        goto end;
    }
    sws_scale(sws, (const uint8_t *const *)frame->data, frame->linesize, 0, frame->height, scaled->data,
              scaled->linesize);

    if (!(ectx = avcodec_alloc_context3(enc))) {
        ret = AVERROR(ENOMEM);
        goto end;
    }
    ectx->width = w;
    ectx->height = h;
    ectx->pix_fmt = AV_PIX_FMT_YUVJ420P;
    ectx->time_base = (AVRational){1, 25};
    ectx->flags |= AV_CODEC_FLAG_QSCALE;
    ectx->global_quality = FF_QP2LAMBDA * 5;
    if ((ret = avcodec_open2(ectx, enc, NULL)) < 0)
        goto end;
    scaled->pts = 0;
    scaled->quality = ectx->global_quality;
    if ((ret = avcodec_send_frame(ectx, scaled)) < 0 || (ret = avcodec_receive_packet(ectx, jpeg)) < 0)
        goto end;
    out = relay_blob_new(jpeg->data, (size_t)jpeg->size);
end:
    if (ret < 0)
        fl_log(FL_LOG_WARN, "thumb", "no thumbnail: %s", av_err2str(ret));
    sws_freeContext(sws);
    avcodec_free_context(&ectx);
    av_frame_free(&scaled);
    av_frame_free(&frame);
    av_packet_free(&jpeg);
    av_packet_free(&pkt);
    avcodec_free_context(&dctx);
    return out;
}
