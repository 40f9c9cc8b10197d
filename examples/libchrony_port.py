"""The libchrony Python port's examples, run on pychrony.

Scripts written for the port (``import libchrony``) run on pychrony with only
the import changed to ``from pychrony import libchrony``. Each function below
is one example from the port's documentation of its Pythonic API; ``main()``
runs them all, ending with the port's complete example.

Usage: python examples/libchrony_port.py

chronyd is found at ``$PYCHRONY_ADDRESS`` when set (as under
``python -m pychrony.sandbox -- python examples/libchrony_port.py``), else at
its usual addresses.
"""

from __future__ import annotations

import os

from pychrony import libchrony

# The port's examples name the system socket; a sandbox's address wins when set.
CHRONYD_SOCKET = os.environ.get("PYCHRONY_ADDRESS") or "/var/run/chrony/chronyd.sock"


def example_connect() -> None:
    with libchrony.connect() as chrony:
        tracking = chrony.get_tracking()
        print(f"Tracking record has {len(tracking)} fields")


def example_chrony_class() -> None:
    chrony = libchrony.Chrony(CHRONYD_SOCKET)
    try:
        reports = chrony.get_available_reports()
        print(f"Available reports: {', '.join(reports)}")
        count = chrony.get_record_count("sources")
        print(f"Sources: {count}")
        tracking = chrony.get_record("tracking")
        print(f"Tracking via get_record: stratum {tracking['stratum'].value}")
        sources = chrony.get_report("sources")
        print(f"Sources via get_report: {len(sources)}")
        for source in chrony.iter_records("sources"):
            print(source["address"])
    finally:
        chrony.close()


def example_conveniences() -> None:
    with libchrony.connect() as chrony:
        tracking = chrony.get_tracking()
        print(f"Reference ID: {tracking['reference ID'].value}")

        sources = chrony.get_sources()
        for source in sources:
            print(f"Source: {source['address'].value}")

        sourcestats = chrony.get_sourcestats()
        print(f"Sourcestats records: {len(sourcestats)}")

        serverstats = chrony.get_serverstats()
        print(f"Command requests received: {serverstats['received command requests'].value}")

        activity = chrony.get_activity()
        print(f"Online sources: {activity['online sources'].value}")

        selectdata = chrony.get_selectdata()
        print(f"Selectdata records: {len(selectdata)}")

        try:
            rtcdata = chrony.get_rtcdata()
            print(f"RTC data: {rtcdata.as_dict()}")
        except libchrony.ResponseError as e:
            # chronyd answers DISABLED unless it tracks the RTC (rtcfile).
            print(f"RTC data unavailable: {e}")

        try:
            smoothing = chrony.get_smoothing()
            print(f"Smoothing offset: {smoothing['offset']}")
        except libchrony.ResponseError as e:
            print(f"Smoothing unavailable: {e}")

        all_reports = chrony.get_all_reports()
        print(f"Tracking from all reports: {all_reports['tracking']}")
        print(f"All reports: {', '.join(all_reports)}")


def example_data_classes() -> None:
    with libchrony.connect() as chrony:
        tracking = chrony.get_tracking()
        ref_id = tracking["reference ID"]
        print(f"Reference ID: {ref_id.value}")

        sources = chrony.get_sources()
        for i, source in enumerate(sources):
            print(f"Source {i}: {source['address'].value}")

        offset = tracking["current correction"]
        print(f"Current correction: {offset.value} {offset.unit}")

        for field in tracking:
            print(f"  {field.name}: {field}")


def example_complete() -> None:
    try:
        with libchrony.connect() as chrony:
            # Get tracking information
            tracking = chrony.get_tracking()
            print(f"Reference ID: {tracking['reference ID'].value}")
            print(f"Stratum: {tracking['stratum'].value}")

            # Get sources information
            sources = chrony.get_sources()
            print(f"Number of sources: {len(sources)}")

            for i, source in enumerate(sources):
                print(f"Source {i + 1}:")
                print(f"  Address: {source['address'].value}")
                print(f"  State: {source['state'].value}")
                print(f"  Stratum: {source['stratum'].value}")

            # Get activity information
            activity = chrony.get_activity()
            print(f"Online sources: {activity['online sources'].value}")
            print(f"Offline sources: {activity['offline sources'].value}")

    except libchrony.ConnectionError as e:
        print(f"Connection error: {e}")
    except libchrony.ChronyException as e:
        print(f"Chrony error: {e}")


def main() -> None:
    example_connect()
    example_chrony_class()
    example_conveniences()
    example_data_classes()
    example_complete()


if __name__ == "__main__":
    main()
