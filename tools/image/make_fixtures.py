#!/usr/bin/python3
"""Makes the small committed image fixtures in test/fixtures/images/ from scikit-image's sample
photographs (Debian package python3-skimage 0.19.3; see test/fixtures/images/README.md for origin
and licence of each picture).

Run once, by hand; the outputs are committed and the tests never run this script:
    apt-get download python3-skimage && dpkg-deb -x python3-skimage_*.deb /tmp/sk
    /usr/bin/python3 tools/image/make_fixtures.py /tmp/sk/usr/lib/python3/dist-packages/skimage/data

The fixtures are crops (not rescales) of the photos so that they keep real photographic detail,
kept small (a few tens of kB) and chosen to cover: portrait / landscape / square shapes, odd sizes,
an embedded non-sRGB ICC profile (Adobe RGB, on the JPEG), EXIF orientation on a PNG (lossless, so
the comparison stays exact) and on a JPEG, an alpha channel, and an animated GIF.
"""
import io
import os
import sys

from PIL import Image, ImageOps

ORIENTATION = 0x0112
# The transpose that ImageOps.exif_transpose applies for each orientation, and its inverse, which
# is what we apply to the upright crop before storing it (so that reading the EXIF tag restores it).
INVERSE_OF_EXIF_TRANSPOSE = {6: Image.Transpose.ROTATE_90, 8: Image.Transpose.ROTATE_270}


def with_orientation(upright: Image.Image, orientation: int):
    stored = upright.transpose(INVERSE_OF_EXIF_TRANSPOSE[orientation])
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    return stored, exif.tobytes()


def main(src: str, out: str) -> None:
    os.makedirs(out, exist_ok=True)

    def load(name: str) -> Image.Image:
        return Image.open(os.path.join(src, name))

    # 1. Portrait PNG (w < h), keeps astronaut.png's embedded (sRGB) ICC profile.
    astro = load('astronaut.png')
    astro.crop((150, 10, 150 + 181, 10 + 233)).save(
        os.path.join(out, 'astronaut-portrait.png'), icc_profile=astro.info.get('icc_profile'), optimize=True)

    # 2. Landscape PNG with odd sizes.
    chelsea = load('chelsea.png').convert('RGB')
    chelsea.crop((90, 40, 90 + 241, 40 + 167)).save(os.path.join(out, 'chelsea-landscape.png'), optimize=True)

    # 3. Square PNG (torchvision treats w == h as "width is the short side").
    coffee = load('coffee.png').convert('RGB')
    coffee.crop((180, 60, 180 + 190, 60 + 190)).save(os.path.join(out, 'coffee-square.png'), optimize=True)

    # 4. JPEG photo with an Adobe RGB (1998) ICC profile: rocket.jpg cropped and re-encoded by PIL
    #    at quality 90 (libjpeg-turbo, 4:2:0), profile copied over.
    rocket = load('rocket.jpg')
    rocket.crop((200, 100, 200 + 226, 100 + 170)).save(
        os.path.join(out, 'rocket-adobergb.jpg'), quality=90, icc_profile=rocket.info['icc_profile'])

    # 5. PNG with EXIF orientation 8 (stored rotated; upright after applying the tag).
    upright = chelsea.crop((20, 60, 20 + 150, 60 + 110))
    stored, exif = with_orientation(upright, 8)
    stored.save(os.path.join(out, 'chelsea-exif8.png'), exif=exif, optimize=True)

    # 6. JPEG with EXIF orientation 6, quality 90.
    upright = coffee.crop((300, 150, 300 + 160, 150 + 120))
    stored, exif = with_orientation(upright, 6)
    stored.save(os.path.join(out, 'coffee-exif6.jpg'), quality=90, exif=exif)

    # 7. RGBA PNG: a coffee crop with an alpha ramp and a fully transparent corner, so that
    #    "drop alpha" (PIL's convert('RGB')) and "flatten onto white" give different pixels.
    rgba = coffee.crop((40, 200, 40 + 140, 200 + 100)).convert('RGBA')
    alpha = Image.linear_gradient('L').resize(rgba.size).rotate(90)
    alpha.paste(0, (0, 0, 30, 30))
    rgba.putalpha(alpha)
    rgba.save(os.path.join(out, 'coffee-alpha.png'), optimize=True)

    # 8. Animated GIF (24 frames), copied as is: only the first frame counts.
    with open(os.path.join(src, 'no_time_for_that_tiny.gif'), 'rb') as f:
        data = f.read()
    with open(os.path.join(out, 'no-time-animated.gif'), 'wb') as f:
        f.write(data)

    # Self-checks: the orientation fixtures read back upright through exif_transpose.
    for name, ref in (('chelsea-exif8.png', chelsea.crop((20, 60, 170, 170))),):
        back = ImageOps.exif_transpose(Image.open(os.path.join(out, name))).convert('RGB')
        assert back.tobytes() == ref.tobytes(), name
    for name in sorted(os.listdir(out)):
        path = os.path.join(out, name)
        if name.endswith(('.png', '.jpg', '.gif')):
            im = Image.open(path)
            print(f'{name:28s} {im.format:5s} {im.mode:5s} {im.size} {os.path.getsize(path)} bytes')


if __name__ == '__main__':
    here = os.path.dirname(os.path.abspath(__file__))
    main(sys.argv[1], os.path.join(here, '..', '..', 'test', 'fixtures', 'images'))
