# Delivered rate vs offered rate, one line per relay, one panel per fan-out.
#   gnuplot -e "dir='DATADIR'; out='results.png'" tests/bench/chart.gp
# DATADIR (written by report.py) holds vars.gp (fanouts = "1 8 50",
# relays_F = "mcrd kernel ...") and fF-RELAY.dat: "achieved_pps delivered_pps".
load dir.'/vars.gp'
n = words(fanouts)
set terminal pngcairo size (520 * n), 460 font ",10"
set output out
set multiplot layout 1, n title "Multicast relays: delivered vs offered (1400-byte payloads; medians)"
set key top left box opaque font ",9"
set grid
set xlabel "offered: packets/s sent by mcrgen (kpps)"
set ylabel "delivered: packets/s summed over all receivers (kpps)"
# Log-log: a lossless relay is a straight line (delivered = fan-out x offered).
set logscale xy 10
set format x "%g"
set format y "%g"
# mcrd-gso's GSO super-frames cross the veths whole (not a NIC's figure): dashed.
label(r) = r eq "mcrd" ? "mcrd (layer-2 egress)" : r eq "mcrd-socket" ? "mcrd (egress socket)" : \
           r eq "mcrd-gso" ? "mcrd (gso on: super-frames)" : r eq "mcrd-merge" ? "mcrd (two inputs merged)" : \
           r eq "kernel" ? "kernel (smcroute)" : r eq "tc" ? "kernel tc mirred (no rewrite)" : \
           r eq "socat" ? "socat" : r eq "baseline" ? "baseline (recvmmsg)" : \
           r eq "none" ? "no relay (ceiling)" : r
colour(r) = r eq "mcrd" ? "#d62728" : r eq "mcrd-socket" ? "#ff7f0e" : \
            r eq "mcrd-gso" ? "#8c564b" : r eq "mcrd-merge" ? "#e377c2" : r eq "kernel" ? "#1f77b4" : \
            r eq "tc" ? "#17becf" : r eq "socat" ? "#9467bd" : r eq "baseline" ? "#2ca02c" : "#7f7f7f"
dash(r) = r eq "mcrd-gso" ? 4 : r eq "tc" ? 3 : 1
do for [i = 1:n] {
    f = word(fanouts, i)
    rl = value("relays_".f)
    # Axes from the data (not from the lossless line, which would dwarf it).
    xmin = 1e12; xmax = 0; ymin = 1e12; ymax = 0
    set autoscale
    do for [r in rl] {
        file = sprintf("%s/f%s-%s.dat", dir, f, r)
        stats file using ($1/1000) name "SX" nooutput
        stats file using ($2/1000) name "SY" nooutput
        xmin = (SX_min < xmin) ? SX_min : xmin
        xmax = (SX_max > xmax) ? SX_max : xmax
        ymax = (SY_max > ymax) ? SY_max : ymax
        ymin = (SY_min < ymin && SY_min > 0) ? SY_min : ymin
    }
    set xrange [xmin / 1.5 : xmax * 1.5]
    set yrange [(ymin < 1e12 ? ymin / 2 : 0.1) : (ymax > 0 ? ymax * 3 : 1)]
    set title sprintf("fan-out %s", f)
    plot for [r in rl] sprintf("%s/f%s-%s.dat", dir, f, r) using ($1/1000):($2/1000) \
             with linespoints lw 2 pt 7 ps 0.8 dt dash(r) lc rgb colour(r) title label(r), \
         (x * f) with lines dt 2 lc rgb "#bbbbbb" title sprintf("lossless (%s x offered)", f)
}
unset multiplot
