// Whether the person is at this tab, from the page's own events: input, visibility and an idle clock.
import { ActivityTracker } from "../presence.js";

/** Calls report when this tab turns active or idle, and shown when it becomes visible again. */
export function watchActivity(report: (active: boolean) => void, shown: () => void): void {
  const activity = new ActivityTracker(Date.now(), document.visibilityState === "visible");
  const tell = (active: boolean | null) => {
    if (active !== null) report(active);
  };
  for (const type of ["pointerdown", "keydown", "wheel", "touchstart"] as const) {
    window.addEventListener(type, () => tell(activity.input(Date.now())), { passive: true });
  }
  document.addEventListener("visibilitychange", () => {
    const visible = document.visibilityState === "visible";
    tell(activity.visibility(visible, Date.now()));
    if (visible) shown();
  });
  setInterval(() => tell(activity.tick(Date.now())), 15_000);
}
