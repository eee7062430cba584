"""Complaint texts for incidents: one water outage told twenty ways, other topics, near misses.

Written as citizens write (short and long, formal and not, with and without the place), so
the similarity thresholds of aduan/domain/incidents.py are chosen on texts like the real ones
(bench/similarity.py prints their distributions; docs/incidents.md records them)."""

from __future__ import annotations

# Region 32.73 (Kota Bandung), kecamatan Sukajadi: the pipe feeding it broke on Monday.
OUTAGE_REGION = "32.73.05"
OUTAGE_TITLE = "Air tidak mengalir di Sukajadi"
OUTAGE_DESCRIPTION = (
    "Pipa transmisi ke Kecamatan Sukajadi pecah; air tidak mengalir ke rumah pelanggan di "
    "Sukajadi dan sekitarnya sejak Senin pagi. Petugas sedang memperbaiki pipa."
)

# Twenty complaints about that one outage.
SAME_OUTAGE = [
    "Air mati di Sukajadi sejak Senin pagi, sampai sekarang belum mengalir.",
    "Sudah dua hari air PDAM tidak mengalir di rumah saya di Jalan Sukajadi.",
    "Tidak ada air sama sekali dari kemarin pagi di daerah Sukajadi, mohon segera diperbaiki.",
    "Air tidak mengalir sejak Senin. Kami di Sukajadi tidak bisa mandi dan masak.",
    "Kenapa air mati terus di Sukajadi? Dari Senin pagi kran kering.",
    "Mohon info, air di wilayah Sukajadi mati sejak hari Senin. Kapan mengalir lagi?",
    "Air PDAM mati total di Kecamatan Sukajadi, sudah lebih dari 24 jam.",
    "air mati dr senin pagi di sukajadi, tolong dong cepat diperbaiki",
    "Saya warga Sukajadi, air tidak keluar dari kran sejak Senin pagi.",
    "Sejak Senin pagi air tidak mengalir sama sekali di rumah kami, Sukajadi.",
    "Di Sukajadi air mati lagi dari Senin, tidak ada pemberitahuan sebelumnya.",
    "Air tidak mengalir di perumahan kami di Sukajadi sejak Senin pagi, anak-anak tidak bisa"
    " mandi sebelum sekolah.",
    "Pelanggan PDAM di Sukajadi: air mati sejak Senin pagi dan belum ada perbaikan.",
    "Tolong, air mati di Sukajadi sudah dua hari. Kami terpaksa beli air galon.",
    "Kran di rumah saya di Sukajadi kering, air tidak mengalir sejak Senin.",
    "Air tidak ada sejak Senin pagi di RW 05 Sukajadi, tetangga juga sama.",
    "Aliran air PDAM terhenti di Sukajadi sejak Senin, mohon ditindaklanjuti.",
    "Sudah sejak Senin air mati di daerah Sukajadi, kapan diperbaiki?",
    "Air mati di Jalan Sukajadi dan sekitarnya mulai Senin pagi sampai hari ini.",
    "Water outage in Sukajadi since Monday morning, the tap is dry, air mati.",
]

# Five complaints about other things, from the same city and in the same weeks.
OTHER_TOPICS = [
    "Tagihan air bulan ini naik dua kali lipat padahal pemakaian kami sama seperti biasa.",
    "Meteran air di rumah saya rusak, angkanya tidak bergerak walaupun air dipakai.",
    "Petugas pencatat meter bersikap kasar dan meminta uang tambahan kepada kami.",
    "Saya ingin tahu jadwal pembayaran dan prosedur pemasangan sambungan baru.",
    "Lampu jalan di depan kantor kelurahan sudah sebulan mati, jalan jadi gelap.",
]

# Near misses: the same words or the same place, another problem.
NEAR_MISSES = [
    "Air keruh berwarna coklat dan berbau di Sukajadi sejak Senin, tidak layak dipakai.",
    "Tekanan air di Sukajadi kecil sekali sejak Senin, air hanya menetes.",
    "Air mati di Cicendo sejak Kamis malam, sudah tiga hari belum mengalir.",
    "Minggu lalu air mati di Sukajadi, sekarang sudah mengalir tapi tagihannya naik.",
    "Pipa di depan rumah saya di Sukajadi bocor dan airnya terbuang ke jalan.",
    "Listrik padam di Sukajadi sejak Senin pagi, belum menyala sampai sekarang.",
]
