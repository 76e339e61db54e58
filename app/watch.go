package app

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"hoist/app/awake"
	"hoist/uploader"
)

// awakePoll is how often the keeper looks whether uploads run: the
// inhibition is released within this long after the last one stops.
const awakePoll = time.Second

// watchers keep the computer awake while the engine sends, and tell the
// engine when the machine woke from sleep or the network changed.
type watchers struct {
	keeper *awake.Keeper
	stop   context.CancelFunc
	wg     sync.WaitGroup
}

// startWatchers starts both for engine; keepAwake is upload.keep_awake.
func startWatchers(engine *uploader.Engine, keepAwake bool, log *slog.Logger) *watchers {
	ctx, stop := context.WithCancel(context.Background())
	w := &watchers{keeper: awake.NewKeeper(awake.New(), log), stop: stop}
	w.keeper.SetEnabled(keepAwake)
	w.wg.Add(2)
	go func() {
		defer w.wg.Done()
		tick := time.NewTicker(awakePoll)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				w.keeper.SetBusy(engine.Sending())
			}
		}
	}()
	go func() {
		defer w.wg.Done()
		uploader.NetWatch{OnChange: engine.NetworkChanged}.Run(ctx)
	}()
	return w
}

// close stops watching and lets the computer sleep again.
func (w *watchers) close() {
	if w == nil {
		return
	}
	w.stop()
	w.wg.Wait()
	w.keeper.Close()
}

// keepingAwake reports whether the computer is kept awake now.
func (w *watchers) keepingAwake() bool { return w != nil && w.keeper.Active() }

// setKeepAwake turns keeping awake on or off (the Settings dialog).
func (w *watchers) setKeepAwake(on bool) {
	if w != nil {
		w.keeper.SetEnabled(on)
	}
}
