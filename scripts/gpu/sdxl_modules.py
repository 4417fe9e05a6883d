"""Real-architecture SDXL parts with random weights, built with diffusers' and
transformers' own classes from the real configs (../../../shared/FACTS.md).

Shared by sdxl_export.py (ONNX in the Optimum diffusers layout) and torch_peer.py
(the same modules timed in torch), so both measure the same architecture.
Runs on the GPU machine; diffusers comes from its public source on PYTHONPATH.
"""
import torch
from diffusers import AutoencoderKL, AutoencoderTiny, UNet2DConditionModel
from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection

UNET = dict(
    sample_size=128, in_channels=4, out_channels=4, layers_per_block=2,
    block_out_channels=[320, 640, 1280], attention_head_dim=[5, 10, 20],
    cross_attention_dim=2048, transformer_layers_per_block=[1, 2, 10],
    down_block_types=["DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"],
    up_block_types=["CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"],
    addition_embed_type="text_time", addition_time_embed_dim=256,
    projection_class_embeddings_input_dim=2816, use_linear_projection=True, norm_num_groups=32,
)
VAE = dict(
    in_channels=3, out_channels=3, latent_channels=4, layers_per_block=2, sample_size=1024,
    block_out_channels=[128, 256, 512, 512], norm_num_groups=32, scaling_factor=0.13025,
    down_block_types=["DownEncoderBlock2D"] * 4, up_block_types=["UpDecoderBlock2D"] * 4,
)
CLIP_L = dict(vocab_size=49408, hidden_size=768, intermediate_size=3072, num_hidden_layers=12,
              num_attention_heads=12, max_position_embeddings=77, hidden_act="quick_gelu", projection_dim=768)
CLIP_G = dict(vocab_size=49408, hidden_size=1280, intermediate_size=5120, num_hidden_layers=32,
              num_attention_heads=20, max_position_embeddings=77, hidden_act="gelu", projection_dim=1280)


def build(seed=0, device="cuda"):
    """Returns dict name -> module (float32, eval) built on device, weights from
    torch.manual_seed(seed). Building on the GPU matters: random init of the 2.6 B UNet
    parameters on the CPU took minutes on the H200's host (2026-12-02)."""
    torch.manual_seed(seed)
    with torch.device(device):
        m = _modules()
    for v in m.values():
        v.eval().requires_grad_(False)
    return m


def _modules():
    return {
        "unet": UNet2DConditionModel(**UNET),
        "vae": AutoencoderKL(**VAE),
        "taesd": AutoencoderTiny(),
        "text_encoder": CLIPTextModel(CLIPTextConfig(**CLIP_L)),
        "text_encoder_2": CLIPTextModelWithProjection(CLIPTextConfig(**CLIP_G)),
    }


def time_ids(size):
    return torch.tensor([[size, size, 0, 0, size, size]], dtype=torch.float32)
