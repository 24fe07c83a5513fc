#!/bin/sh
# Regenerates the app icons from the one source drawing, icons/mpgram.svg.
# The outputs are committed: the build (tauri-build) reads them and CI never runs this script.
#
# Needs: rsvg-convert (Debian: librsvg2-bin) and ImageMagick's convert (Debian: imagemagick).
# Usage: icons/generate.sh   (from any directory)
set -eu

cd "$(dirname "$0")"

for tool in rsvg-convert convert; do
    command -v "$tool" >/dev/null 2>&1 || {
        echo "generate.sh: '$tool' not found (apt-get install librsvg2-bin imagemagick)" >&2
        exit 1
    }
done

# Renders mpgram.svg to an RGBA PNG of SIZE x SIZE pixels (Tauri rejects PNGs without alpha).
render() {
    rsvg-convert --width "$1" --height "$1" --keep-aspect-ratio --format png mpgram.svg --output "$2"
}

render 32 32x32.png
# 48 and 64: the hicolor sizes menus and docks ask for most (the Debian package ships them).
render 48 48x48.png
render 64 64x64.png
render 128 128x128.png
render 256 128x128@2x.png
render 512 icon.png

# Windows icon: several sizes in one ICO, each drawn from the SVG rather than scaled down from a big PNG.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for size in 16 24 32 48 64 256; do
    render "$size" "$tmp/$size.png"
done
convert "$tmp/16.png" "$tmp/24.png" "$tmp/32.png" "$tmp/48.png" "$tmp/64.png" "$tmp/256.png" icon.ico

# The window's page shows the mark too; ui/ is the only folder the webview can load from.
cp mpgram.svg ../ui/mpgram.svg

echo "generate.sh: wrote 32x32.png 48x48.png 64x64.png 128x128.png 128x128@2x.png icon.png icon.ico ../ui/mpgram.svg"
